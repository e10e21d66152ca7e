// The small tree questions explore asks of a topology: its server links, which side of a cut a
// server is on, how far apart two servers are, which servers are leaves.
import type { Topology } from '../topology/schema.ts';

/** Every server link as [child, parent] (the child dialled the parent). */
export function serverLinks(t: Pick<Topology, 'servers'>): Array<[number, number]> {
  return t.servers.filter((s) => s.join !== undefined).map((s) => [s.id, s.join!]);
}

function adjacency(t: Pick<Topology, 'servers'>, cut: ReadonlySet<string> = new Set()): Map<number, number[]> {
  const adj = new Map<number, number[]>(t.servers.map((s) => [s.id, []]));
  for (const [a, b] of serverLinks(t)) {
    if (cut.has(`${a}-${b}`)) continue;
    adj.get(a)?.push(b);
    adj.get(b)?.push(a);
  }
  return adj;
}

/** The connected parts of the server tree once the links `cut` ("child-parent") are gone, largest first. */
export function partsAfterCut(t: Pick<Topology, 'servers'>, cut: ReadonlySet<string>): number[][] {
  const adj = adjacency(t, cut);
  const seen = new Set<number>();
  const parts: number[][] = [];
  for (const s of t.servers) {
    if (seen.has(s.id)) continue;
    const part = [s.id];
    seen.add(s.id);
    for (let i = 0; i < part.length; i++) {
      for (const n of adj.get(part[i]!)!) {
        if (!seen.has(n)) {
          seen.add(n);
          part.push(n);
        }
      }
    }
    parts.push(part.sort((x, y) => x - y));
  }
  return parts.sort((x, y) => y.length - x.length || x[0]! - y[0]!);
}

/** Hops from `from` to every server. */
export function hops(t: Pick<Topology, 'servers'>, from: number): Map<number, number> {
  const adj = adjacency(t);
  const dist = new Map([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const n of adj.get(queue[i]!) ?? []) {
      if (!dist.has(n)) {
        dist.set(n, dist.get(queue[i]!)! + 1);
        queue.push(n);
      }
    }
  }
  return dist;
}

/** Servers no other server joins. */
export function leaves(t: Pick<Topology, 'servers'>): number[] {
  const joined = new Set(t.servers.map((s) => s.join));
  return t.servers.filter((s) => !joined.has(s.id)).map((s) => s.id);
}
