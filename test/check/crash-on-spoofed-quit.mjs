// A server that dies on bad input, for test/check/robustness-judge.test.ts: our crc-server with
// ServerCore patched (by `node --import` of this file) to exit when a client sends a quit for
// another id. It serves honest clients as usual, so only the attack can kill it.
import { ServerCore } from '../../dist/src/core/server-core.js';

const received = ServerCore.prototype.received;
ServerCore.prototype.received = function (conn, msg) {
  const peer = this.peerOf(conn);
  if (msg.type === 0x82 && peer?.kind === 'client' && peer.id !== msg.sourceId) process.exit(70);
  return received.call(this, conn, msg);
};
