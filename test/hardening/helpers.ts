// Shared pieces of the hardening tests (not a test file itself): hostile or legacy peers that
// speak raw CRC bytes to real CrcServerNodes on port 0.
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
