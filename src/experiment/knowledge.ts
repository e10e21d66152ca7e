// Who knew whom when, and which links servers gave up on, from a run's node events: what the
// phases and the traffic audit read back. Pure.
import type { FaultEpisode } from './fault-replay.ts';

/** The node events read back (a SimEvent has these fields). */
export type NodeFact =
  | { type: 'host-learned' | 'host-forgotten'; t: number; node: number; id: number }
  | { type: 'link-down'; t: number; node: number; peerId: number };

/** Event types a run keeps for this, of every node event. */
export const FACT_TYPES: ReadonlySet<string> = new Set(['host-learned', 'host-forgotten', 'link-down']);

export interface Netsplit {
  t: number;
  node: number;
  peer: number;
}

export class Knowledge {
  /** "node:id" -> its learns and forgets in time order */
  private readonly byPair = new Map<string, Array<{ t: number; learned: boolean }>>();
  /** every server link a server dropped, in time order */
  readonly netsplits: Netsplit[] = [];

  constructor(events: readonly NodeFact[]) {
    for (const e of [...events].sort((a, b) => a.t - b.t)) {
      if (e.type === 'link-down') {
        this.netsplits.push({ t: e.t, node: e.node, peer: e.peerId });
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

  /** The netsplits put down to a fault: on one of its links, or of a server it took down, within its horizon. */
  netsplitsOf(e: FaultEpisode): Netsplit[] {
    const until = e.horizon ?? Infinity;
    const ends = e.links.map((l) => l.split('-').map(Number) as [number, number]);
    return this.netsplits.filter((d) => d.t >= e.start && d.t < until
      && (ends.some(([a, b]) => (d.node === a && d.peer === b) || (d.node === b && d.peer === a)) || e.servers.includes(d.peer)));
  }

  /** A fault broke something: it stops bytes by itself, or a server gave up on its link. */
  broke(e: FaultEpisode): boolean {
    return e.breaks || this.netsplitsOf(e).length > 0;
  }
}
