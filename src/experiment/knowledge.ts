// Who knew whom when, and which links servers gave up on, from a run's node events: what the
// phases and the traffic audit read back. Pure.
import type { FaultEpisode } from './fault-replay.ts';

/** The node events read back (a SimEvent has these fields). */
export type NodeFact =
  | { type: 'host-learned' | 'host-forgotten'; t: number; node: number; id: number }
  | { type: 'link-down'; t: number; node: number; peerId: number }
  /** liveness gave up on the link (a link-down follows) */
  | { type: 'link-dead'; t: number; node: number; peerId: number; reason: string };

/** Event types a run keeps for this, of every node event. */
export const FACT_TYPES: ReadonlySet<string> = new Set(['host-learned', 'host-forgotten', 'link-down', 'link-dead']);

export interface Netsplit {
  t: number;
  node: number;
  peer: number;
  /** why the server dropped the link: liveness's reason ("ping timeout"), else it closed */
  why: string;
}

export class Knowledge {
  /** "node:id" -> its learns and forgets in time order */
  private readonly byPair = new Map<string, Array<{ t: number; learned: boolean }>>();
  /** every server link a server dropped, in time order */
  readonly netsplits: Netsplit[] = [];

  constructor(events: readonly NodeFact[]) {
    const dead = new Map<string, string>();
    for (const e of [...events].sort((a, b) => a.t - b.t)) {
      if (e.type === 'link-dead') {
        dead.set(`${e.node}:${e.peerId}`, e.reason);
        continue;
      }
      if (e.type === 'link-down') {
        const key = `${e.node}:${e.peerId}`;
        this.netsplits.push({ t: e.t, node: e.node, peer: e.peerId, why: dead.get(key) ?? 'closed' });
        dead.delete(key);
        continue;
      }
      const k = `${e.node}:${e.id}`;
      const list = this.byPair.get(k) ?? [];
      list.push({ t: e.t, learned: e.type === 'host-learned' });
      this.byPair.set(k, list);
    }
  }

  /** The first forget of `id` by `node` in [from, to). */
  firstForget(node: number, id: number, from: number, to: number): number | undefined {
    return this.byPair.get(`${node}:${id}`)?.find((x) => !x.learned && x.t >= from && x.t < to)?.t;
  }

  /**
   * Each time `node` forgot `id` within [from, to), and when it knew it again (Infinity: never),
   * in event order (a forget and its relearn may share a timestamp in virtual time).
   */
  outages(node: number, id: number, from: number, to: number): Array<{ gone: number; back: number }> {
    const xs = this.byPair.get(`${node}:${id}`) ?? [];
    const out: Array<{ gone: number; back: number }> = [];
    let open: { gone: number; back: number } | undefined;
    for (const x of xs) {
      if (open === undefined && !x.learned && x.t >= from && x.t < to) out.push((open = { gone: x.t, back: Infinity }));
      else if (open !== undefined && x.learned) {
        open.back = x.t;
        open = undefined;
      }
    }
    return out;
  }

  /** The first learn of `id` by `node` at or after `from`. */
  firstLearn(node: number, id: number, from: number): number | undefined {
    return this.byPair.get(`${node}:${id}`)?.find((x) => x.learned && x.t >= from)?.t;
  }

  /** Whether `node` knew `id` at `t` (by its last event before then; nothing yet: it did not). */
  knew(node: number, id: number, t: number): boolean {
    const xs = this.byPair.get(`${node}:${id}`) ?? [];
    let known = false;
    for (const x of xs) {
      if (x.t > t) break;
      known = x.learned;
    }
    return known;
  }

  /**
   * When `node` came to know `id` for good within [from, to): its last learn there if nothing
   * undid it; null if it did not know it at `to`; undefined if nothing happened (it never forgot).
   */
  settled(node: number, id: number, from: number, to: number): number | null | undefined {
    const xs = this.byPair.get(`${node}:${id}`)?.filter((x) => x.t >= from && x.t < to) ?? [];
    if (!xs.length) return undefined;
    const last = xs[xs.length - 1]!;
    return last.learned ? last.t : null;
  }

  /**
   * The netsplits put down to a fault: on one of its links, or of a server it took down, within
   * its horizon. A toxic is not blamed for one that a fault stopping bytes (among `all`) explains.
   */
  netsplitsOf(e: FaultEpisode, all: readonly FaultEpisode[] = []): Netsplit[] {
    const mine = this.netsplits.filter((d) => hits(e, d));
    return e.breaks ? mine : mine.filter((d) => !all.some((x) => x.breaks && hits(x, d)));
  }

  /** A fault broke something: it stops bytes by itself, or a server gave up on its link. */
  broke(e: FaultEpisode, all: readonly FaultEpisode[] = []): boolean {
    return e.breaks || this.netsplitsOf(e, all).length > 0;
  }
}

/** Netsplit `d` is on a link of `e`, or of a server `e` took down, within `e`'s horizon. */
function hits(e: FaultEpisode, d: Netsplit): boolean {
  if (d.t < e.start || d.t >= (e.horizon ?? Infinity)) return false;
  if (e.servers.includes(d.peer)) return true;
  return e.links.some((l) => {
    const [a, b] = l.split('-').map(Number);
    return (d.node === a && d.peer === b) || (d.node === b && d.peer === a);
  });
}
