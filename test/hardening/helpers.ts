// Shared pieces of the hardening tests (not a test file itself): hostile or legacy peers that
// speak raw CRC bytes to real CrcServerNodes on port 0.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CrcClientNode } from '../../src/net/client-node.ts';
import { startMonitor } from '../../src/net/monitor.ts';
import type { CrcServerNode, ServerNodeOptions } from '../../src/net/server-node.ts';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { type Cleanup, type RawPeer, waitFor } from '../net/helpers.ts';

/** Server 1, and server 2 joined to it, both with `opts`; resolves once each knows the other. */
export async function serverPair(cleanup: Cleanup, opts: Partial<ServerNodeOptions> = {}): Promise<{ a: CrcServerNode; b: CrcServerNode }> {
  const { node: a } = await cleanup.server({ id: 1, ...opts });
  const { node: b } = await cleanup.server({ id: 2, ...opts, connectTo: { host: '127.0.0.1', port: a.port } });
  await waitFor(() => a.core.host(2) && b.core.host(1), 3000, 'servers 1 and 2 joined');
  return { a, b };
}

/** Two honest clients, 101 on `portA` and 102 on `portB`. */
export async function honestPair(cleanup: Cleanup, portA: number, portB = portA): Promise<{ alice: CrcClientNode; bob: CrcClientNode }> {
  const alice = await cleanup.client({ id: 101, name: 'alice', serverPort: portA });
  const bob = await cleanup.client({ id: 102, name: 'bob', serverPort: portB });
  await waitFor(() => alice.state().connectedUserIds.includes(102) && bob.state().connectedUserIds.includes(101), 3000, 'alice and bob to know each other');
  return { alice, bob };
}

/** A monitor on `node`, closed with the rest; resolves with its base URL. */
export async function monitorOf(cleanup: Cleanup, node: CrcServerNode): Promise<string> {
  const monitor = await startMonitor(node, 0);
  cleanup.add(() => monitor.close());
  return `http://127.0.0.1:${monitor.port}`;
}

/** A raw peer registered at `port` as server `id` (last hop 0); resolves once it is seeded. */
export async function rawServer(cleanup: Cleanup, port: number, id: number): Promise<RawPeer> {
  const p = await cleanup.raw(port);
  p.write({ type: MessageType.ServerRegistration, sourceId: id, lastHopId: 0, name: `raw${id}`, info: '' });
  await waitFor(() => p.messages.some((m) => m.type === MessageType.ServerRegistration), 3000, `raw server ${id} to be seeded`);
  return p;
}

/** A raw peer registered at `port` as client `id`; resolves once it is welcomed. */
export async function rawClient(cleanup: Cleanup, port: number, id: number): Promise<RawPeer> {
  const p = await cleanup.raw(port);
  p.write({ type: MessageType.ClientRegistration, sourceId: id, lastHopId: 0, name: `raw${id}`, info: '' });
  await waitFor(() => p.messages.some((m) => m.type === MessageType.Status), 3000, `raw client ${id} to be welcomed`);
  return p;
}

/** Registrations for clients first..first+count-1 as server `via` relays them, in one buffer. */
export function relayedClients(first: number, count: number, via: number): Buffer {
  const frames: Buffer[] = [];
  for (let id = first; id < first + count; id++) {
    frames.push(encode({ type: MessageType.ClientRegistration, sourceId: id, lastHopId: via, name: `c${id}`, info: '' }));
  }
  return Buffer.concat(frames);
}

/** A status frame from `src` to `dest`. */
export function statusFrame(src: number, dest: number, content: string, statusCode = 0): Buffer {
  return encode({ type: MessageType.Status, sourceId: src, destinationId: dest, statusCode, content });
}

/** Each of two honest clients sends `n` chats to the other; all arrive within `ms`. */
export async function expectTalking(a: CrcClientNode, b: CrcClientNode, tag: string, n = 5, ms = 3000): Promise<void> {
  for (let i = 0; i < n; i++) {
    a.chat(b.id, `${tag} a${i}`);
    b.chat(a.id, `${tag} b${i}`);
  }
  const got = (c: CrcClientNode, from: string) => c.state().chatLog.filter((t) => t.startsWith(`${tag} ${from}`)).length;
  try {
    await waitFor(() => got(b, 'a') === n && got(a, 'b') === n, ms, `${n} '${tag}' chats each way between ${a.id} and ${b.id}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${got(b, 'a')} arrived at ${b.id}, ${got(a, 'b')} at ${a.id}`);
  }
}

/** One sample of a Prometheus text, for this server. */
export function sample(text: string, name: string, serverId: number): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{server_id="${serverId}"} `));
  if (line === undefined) throw new Error(`${name} for server ${serverId} not in:\n${text}`);
  return Number(line.split(' ').pop());
}

/** A chat frame from `src` to `dest` with `size` bytes of content. */
export function chatFrame(src: number, dest: number, size: number): Buffer {
  return encode({ type: MessageType.ClientChat, sourceId: src, destinationId: dest, content: 'z'.repeat(size) });
}

/** The largest value `sample` returns while it runs, polled every few ms (plus once at stop()). */
export function peakOf(sample: () => number): { stop(): number; readonly peak: number } {
  let peak = sample();
  const timer = setInterval(() => { peak = Math.max(peak, sample()); }, 2);
  return {
    get peak() { return peak; },
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, sample());
      return peak;
    },
  };
}

/** Read from `socket` at about `bytesPerSec`: pause whenever it is ahead of that pace. */
export function paceReads(socket: Socket, bytesPerSec: number): void {
  const t0 = performance.now();
  let got = 0;
  socket.on('data', (chunk: Buffer) => {
    got += chunk.length;
    const ahead = (got / bytesPerSec) * 1000 - (performance.now() - t0);
    if (ahead > 1) {
      socket.pause();
      setTimeout(() => socket.resume(), ahead);
    }
  });
}

/**
 * Write `frame` over and over at about `bytesPerSec`, as an honest sender does (waiting for
 * 'drain' when the socket is full), until `bytes` are written, `stop()` says so or the socket closes.
 */
export async function sendPaced(socket: Socket, frame: Buffer, bytesPerSec: number, bytes: number, stop: () => boolean = () => false): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  while (sent < bytes && !stop() && !socket.destroyed) {
    const ok = socket.write(frame);
    sent += frame.length;
    if (!ok) await drainOrStop(socket, stop);
    const ahead = (sent / bytesPerSec) * 1000 - (performance.now() - t0);
    if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
  }
  return sent;
}

/** Until the socket drains or closes, or `stop()` says so (looked at every 20 ms: a held sender may wait long). */
function drainOrStop(socket: Socket, stop: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => { if (stop()) done(); }, 20);
    function done() {
      clearInterval(poll);
      socket.off('drain', done).off('close', done);
      resolve();
    }
    socket.on('drain', done).on('close', done);
  });
}
