// Shared pieces of the core tests: building the small trees they run on, and reading frames
// back as hex for byte-for-byte comparisons.
import { MemoryNet, type NodeRef } from '../../src/memory/net.ts';
import { hexes } from './msgs.ts';

/** Sorted copy of numeric ids, for set comparison with a count check. */
export const sortedIds = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

/** Servers as [id, id of the server it joins]; a root has no parent. */
export type ServerTree = Array<[id: number, parent?: number]>;
/** Clients as [id, name, id of its server]. */
export type ClientList = Array<[id: number, name: string, server: number]>;

/** Add servers s<id> (info i<id>) in order, each joining its parent, then clients (info x). */
export function build(net: MemoryNet, servers: ServerTree, clients: ClientList = []): MemoryNet {
  for (const [id, parent] of servers) net.addServer(id, `s${id}`, `i${id}`, parent === undefined ? undefined : `s${parent}`);
  for (const [id, name, server] of clients) net.addClient(id, name, 'x', `s${server}`);
  return net;
}

/** s1 - s2 - s3, s4 on s1; a, b on s1, c on s2, d on s3, e on s4. */
export const branchedTree = (chunkSeed?: number): MemoryNet =>
  build(new MemoryNet({ chunkSeed }), [[1], [2, 1], [3, 2], [4, 1]], [[101, 'a', 1], [102, 'b', 1], [103, 'c', 2], [104, 'd', 3], [105, 'e', 4]]);

/** Hex of each frame delivered from `from` to `to` after `since`. */
export const framesHex = (net: MemoryNet, from: NodeRef, to: NodeRef, since = 0): string[] =>
  hexes(net.frames(from, to, since).map((f) => f.raw));
