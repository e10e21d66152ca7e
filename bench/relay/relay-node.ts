// One node of a relay chain (the router's ceilings), in whatever thread calls it: 'raw'
// forwards bytes as they come, with no parsing; 'decode' runs our frame decoder and forwards
// each frame's bytes, batched per turn like the CRC server. The chain's tail forwards to the
// connection that greets it with the byte 'R' (the receiver). 'pipe' is the least any
// user-space relay does (the link-proxy bench's reference): each accepted connection dials
// nextPort and is joined to it with stream.pipe() both ways.
import net from 'node:net';
import { FrameDecoder } from '../../src/protocol/index.ts';
import { WriteBatch, endOfTurn } from '../../src/net/write-coalescer.ts';

export type RelayMode = 'raw' | 'decode' | 'pipe';

export interface RelayNode {
  port: number;
  stop(): void;
}

/** Listen on a free port; with `nextPort`, dial it before resolving (absent: a chain's tail). */
export function startRelayNode(mode: RelayMode, nextPort?: number): Promise<RelayNode> {
  let out: net.Socket | undefined;
  const early: Buffer[] = [];
  const sockets = new Set<net.Socket>();

  const forward = (data: Buffer): void => {
    if (out) out.write(data);
    else early.push(data); // the receiver has not greeted the tail yet
  };

  const attachInbound = (socket: net.Socket, first?: Buffer): void => {
    if (mode === 'raw') {
      if (first) forward(first);
      socket.on('data', forward);
      return;
    }
    const decoder = new FrameDecoder();
    const frames = new WriteBatch(endOfTurn, forward);
    const onData = (chunk: Buffer) => {
      const { messages, error } = decoder.feed(chunk);
      if (error) {
        socket.destroy();
        return;
      }
      for (const m of messages) frames.push(m.raw);
    };
    if (first) onData(first);
    socket.on('data', onData);
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => {});
    if (mode === 'pipe') {
      pipeBothWays(socket, nextPort!);
    } else if (nextPort === undefined) {
      // At the tail, the first byte says whether this is the receiver.
      socket.once('data', (first: Buffer) => {
        if (first[0] === 0x52 && first.length === 1 && out === undefined) {
          out = socket;
          for (const b of early.splice(0)) out.write(b);
          return;
        }
        attachInbound(socket, first);
      });
    } else {
      attachInbound(socket);
    }
  });

  const stop = () => {
    server.close();
    out?.destroy();
    for (const s of sockets) s.destroy();
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      if (nextPort !== undefined && mode !== 'pipe') {
        out = net.connect({ host: '127.0.0.1', port: nextPort, noDelay: true });
        out.on('error', () => {});
        out.once('connect', () => resolve({ port, stop }));
      } else {
        resolve({ port, stop });
      }
    });
  });
}

function pipeBothWays(c: net.Socket, port: number): void {
  const t = net.connect({ host: '127.0.0.1', port, noDelay: true });
  c.pipe(t);
  t.pipe(c);
  c.on('error', () => t.destroy());
  t.on('error', () => c.destroy());
}
