// The Ledger's model of knowledge by digest (knowledge-digest.ts): what each node's digest
// should be given who is alive and which side of a split it is on, and which nodes differ.
// Pure: the Ledger passes its state in.
import { mixId } from './knowledge-digest.ts';

export interface DigestModel {
  servers: ReadonlySet<number>;
  clients: ReadonlySet<number>;
  /** The side of a split a node is on; undefined: one network. */
  sideOf: (node: number) => number | undefined;
  /** Each node's latest digest. */
  digests: ReadonlyMap<number, { count: number; sum: number; t: number }>;
  nameOf: (id: number) => string;
}

/**
 * What each node's digest should be: per side, the digest of its live servers and of its
 * live clients, less the node itself (servers know both, clients only clients). O(hosts).
 */
function expectedDigests(m: DigestModel): (node: number) => { count: number; sum: number } {
  type Totals = { servers: { count: number; sum: number }; clients: { count: number; sum: number } };
  const fresh = (): Totals => ({ servers: { count: 0, sum: 0 }, clients: { count: 0, sum: 0 } });
  const all = fresh();
  const bySide = new Map<number, Totals>();
  const add = (id: number, key: keyof Totals) => {
    const side = m.sideOf(id);
    for (const t of side === undefined ? [all] : [all, bySide.get(side) ?? bySide.set(side, fresh()).get(side)!]) {
      t[key].count++;
      t[key].sum += mixId(id);
    }
  };
  for (const s of m.servers) add(s, 'servers');
  for (const c of m.clients) add(c, 'clients');
  return (node) => {
    const side = m.sideOf(node);
    const t = side === undefined ? all : bySide.get(side)!;
    const server = m.servers.has(node);
    return {
      count: (server ? t.servers.count : 0) + t.clients.count - 1,
      sum: (server ? t.servers.sum : 0) + t.clients.sum - mixId(node),
    };
  };
}

/** The nodes among `nodes` whose digest is not the expected one, as diff lines (at most `limit`). */
export function digestDiff(m: DigestModel, nodes: Iterable<number>, limit: number): string[] {
  const expected = expectedDigests(m);
  const out: string[] = [];
  for (const node of nodes) {
    const want = expected(node);
    const got = m.digests.get(node) ?? { count: 0, sum: 0 };
    if (got.count === want.count && got.sum === want.sum) continue;
    out.push(`${m.nameOf(node)} (${node}): knows ${got.count} hosts, should know ${want.count}${got.count === want.count ? ' (same count, other hosts)' : ''}`);
    if (out.length >= limit) {
      out.push('…');
      break;
    }
  }
  return out;
}
