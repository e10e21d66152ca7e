// Frames no CRC server can parse: unknown type bytes, and frames before any registration that
// only a registered peer may send (a chat, a status, a server quit).
import { performance } from 'node:perf_hooks';
import { MessageType, encode } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { poke, pokeSummary } from './peer.ts';

const KINDS: Array<[string, Buffer]> = [
  ['unknown type 0x7f', Buffer.concat([Buffer.from([0x7f]), Buffer.alloc(24, 0xab)])],
  ['unknown type 0xff', Buffer.alloc(32, 0xff)],
  ['unknown type 0x03', Buffer.from([0x03, 0, 0, 0, 1, 0, 0, 0, 0])],
  ['a chat before registering', encode({ type: MessageType.ClientChat, sourceId: 900_700, destinationId: 1, content: 'hi' })],
  ['a status before registering', encode({ type: MessageType.Status, sourceId: 900_701, destinationId: 0, statusCode: 0, content: 'hi' })],
  ['a server quit before registering', encode({ type: MessageType.ServerQuit, sourceId: 900_702, replacementId: 0, content: 'bye' })],
];

export const malformedFrame: HostileAttack = {
  id: 'malformed-frame', title: 'unknown message types, and frames a peer may send only once registered', checkMs: 4000, checkScale: 1,
  async run({ port, target, until, scale }) {
    const rounds = scaled(5, scale);
    const notes: string[] = [];
    let connections = 0;
    let cut = 0;
    for (const [what, frame] of KINDS) {
      const pokes = await Promise.all(Array.from({ length: rounds }, () => poke(port, [frame], Math.max(200, Math.min(1500, until - performance.now())))));
      connections += pokes.length;
      cut += pokes.filter((p) => p.closedAfterMs !== undefined).length;
      notes.push(pokeSummary(what, pokes));
    }
    return { attack: 'malformed frames', target, did: `${connections} connections, each sending one frame of ${KINDS.length} malformed kinds`, connections, cut, cutAfterMs: null, open: connections - cut, notes };
  },
};
