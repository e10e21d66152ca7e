// Knowledge by digest, for networks too big to stream one event per learned host (10,000
// servers learn 10^8 host records): each worker keeps, per node it hosts, how many hosts the
// node knows and a sum of a mix of their ids, and posts a `knowledge` event per node whose
// digest changed, at most every DIGEST_INTERVAL_MS. The Ledger compares each digest with the
// one its model expects. Count and sum together catch a missing host, an extra one, and one
// swapped for another (a wrong id changes the sum unless its mix collides: about 2^-32).
import type { SimEvent } from '../threads/worker-api.ts';

export type { KnowledgeEvent } from '../threads/worker-api.ts';

/** Per worker: how long a changed digest may wait before it is posted (bounds the event rate at one per node per interval). */
export const DIGEST_INTERVAL_MS = 20;
/**
 * And at least this long per digest the last post carried: a thread of 200 servers all
 * learning (a join flood of 10,000) posts 200 digests every 400 ms, not every 20 ms, so the
 * digests cost the thread, its process and the coordinator a bounded rate (500 a second per
 * thread) however many nodes it hosts; a waiting Ledger hears of a change that much later.
 */
export const DIGEST_MS_PER_NODE = 2;

/** An id scrambled to 32 bits, so nearby ids do not cancel out in a sum. */
export function mixId(id: number): number {
  let h = Math.imul(id ^ (id >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The digest of a set of ids. */
export function digestOf(ids: Iterable<number>): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (const id of ids) {
    count++;
    sum += mixId(id);
  }
  return { count, sum };
}

interface NodeDigest {
  count: number;
  sum: number;
  /** when it last changed (the node's event time) */
  t: number;
}

/** Worker side: fold host-learned / host-forgotten into per-node digests, post the changed ones. */
export class DigestKeeper {
  private readonly nodes = new Map<number, NodeDigest>();
  private readonly dirty = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  /** How long the next changed digest may wait: the interval, longer after a big post. */
  private waitMs: number;
  /** digests posted, and the learn/forget events they stood for */
  readonly counters = { posted: 0, folded: 0 };

  constructor(private readonly post: (e: SimEvent) => void, private readonly intervalMs = DIGEST_INTERVAL_MS) {
    this.waitMs = intervalMs;
  }

  /** Fold the event in if it is a change of knowledge; false for any other event. */
  fold(node: number, e: { type: string; id?: number }, t: number): boolean {
    if (e.type !== 'host-learned' && e.type !== 'host-forgotten') return false;
    let d = this.nodes.get(node);
    if (!d) this.nodes.set(node, (d = { count: 0, sum: 0, t }));
    const sign = e.type === 'host-learned' ? 1 : -1;
    d.count += sign;
    d.sum += sign * mixId(e.id!);
    d.t = t;
    this.counters.folded++;
    this.dirty.add(node);
    this.timer ??= setTimeout(() => this.flush(), this.waitMs);
    return true;
  }

  /**
   * A node (re)starts from nothing, e.g. a client that quit and comes back with its id: its
   * digest is zero, and posted as such, so an old incarnation's digest cannot stand for it.
   */
  reset(node: number, t: number): void {
    this.nodes.set(node, { count: 0, sum: 0, t });
    this.dirty.add(node);
    this.timer ??= setTimeout(() => this.flush(), this.waitMs);
  }

  /** Post every changed digest now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const node of this.dirty) {
      const d = this.nodes.get(node)!;
      this.post({ type: 'knowledge', count: d.count, sum: d.sum, t: d.t, node });
      this.counters.posted++;
    }
    this.waitMs = Math.max(this.intervalMs, this.dirty.size * DIGEST_MS_PER_NODE);
    this.dirty.clear();
  }
}
