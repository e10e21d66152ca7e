// A ceiling for the router: one node of a relay chain, in its own worker thread (as each CRC
// server is). 'raw' forwards bytes as they come, with no parsing; 'decode' runs our frame
// decoder and forwards each frame's bytes, batched per turn like the CRC server. The chain's
// tail forwards to the connection that greets it with the byte 'R' (the receiver).
// 'pipe' is the least any user-space relay does (the link-proxy bench's reference): each
// accepted connection dials nextPort and is joined to it with stream.pipe() both ways.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { FrameDecoder } from '../../src/protocol/index.ts';
import { WriteBatch, endOfTurn } from '../../src/net/write-coalescer.ts';

export type RelayMode = 'raw' | 'decode' | 'pipe';

export interface RelayConfig {
  mode: RelayMode;
  /** the next relay's port (pipe: the target's); absent at the tail */
  nextPort?: number;
}

const cfg = workerData as RelayConfig;
let out: net.Socket | undefined;
const early: Buffer[] = [];

function forward(data: Buffer): void {
  if (out) out.write(data);
  else early.push(data); // the receiver has not greeted the tail yet
}

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.setNoDelay(true);
  if (cfg.mode === 'pipe') {
    pipeBothWays(socket, cfg.nextPort!);
  } else if (cfg.nextPort === undefined) {
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
  socket.on('error', () => {});
});

function pipeBothWays(c: net.Socket, port: number): void {
  const t = net.connect({ host: '127.0.0.1', port, noDelay: true });
  c.pipe(t);
  t.pipe(c);
  c.on('error', () => t.destroy());
  t.on('error', () => c.destroy());
}

function attachInbound(socket: net.Socket, first?: Buffer): void {
  if (cfg.mode === 'raw') {
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
}

server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as net.AddressInfo).port;
  if (cfg.nextPort !== undefined && cfg.mode !== 'pipe') {
    out = net.connect({ host: '127.0.0.1', port: cfg.nextPort, noDelay: true });
    out.on('error', () => {});
    out.once('connect', () => parentPort!.postMessage({ port }));
  } else {
    parentPort!.postMessage({ port });
  }
});

parentPort!.on('message', (m: string) => {
  if (m === 'stop') {
    server.close();
    out?.destroy();
    process.exit(0);
  }
});
