// Telling a late host from a slow network. A timed check (forgotten / known / converged within
// N ms) measures a change crossing the tree: at each server on the way a thread must wake up,
// and on a loaded machine each wake-up can be late by as much as the host's timers are. So a
// check that misses its bound by no more than (the host's worst timer lateness around it) x
// (the wake-ups on the tree's longest path) is INCONCLUSIVE, not FAIL: the machine was late,
// the network may not have been. Nothing else is excused: a change that never happened, the
// consistency verdict and the traffic audit do not depend on timing.
import type { Topology } from '../topology/schema.ts';

export type Outcome = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

export interface TimingJudgement {
  outcome: Outcome;
  /** the host's worst timer lateness measured around the check (ms) */
  hostLateMs: number;
  /** how much a miss is excused: hostLateMs x wake-ups (ms) */
  allowanceMs: number;
  /** why, when not PASS */
  why?: string;
}

/** Server hops on the tree's longest path (its diameter), from the topology's joins. */
export function treeDiameter(topology: Pick<Topology, 'servers'>): number {
  const adj = new Map<number, number[]>(topology.servers.map((s) => [s.id, []]));
  for (const s of topology.servers) {
    if (s.join === undefined || !adj.has(s.join)) continue;
    adj.get(s.id)!.push(s.join);
    adj.get(s.join)!.push(s.id);
  }
  const farthest = (from: number): [number, number] => {
    const dist = new Map([[from, 0]]);
    const queue = [from];
    let best: [number, number] = [from, 0];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!;
      const d = dist.get(at)!;
      if (d > best[1]) best = [at, d];
      for (const n of adj.get(at) ?? []) if (!dist.has(n)) { dist.set(n, d + 1); queue.push(n); }
    }
    return best;
  };
  const first = topology.servers[0];
  if (!first) return 0;
  return farthest(farthest(first.id)[0])[1];
}

/**
 * Judge a timed check: `tookMs` null = it never happened (FAIL whatever the host did).
 * `wakeups`: thread wake-ups a change needs on the longest path (diameter + 1), each late by
 * up to `hostLateMs` (the worst thread on the path, `lateThread`); `observerLateMs`: how late the
 * one who saw it (the coordinator) was, counted once, when the threads were measured apart.
 */
export function judgeTiming(tookMs: number | null, withinMs: number, hostLateMs: number, wakeups: number, lateThread?: string, observerLateMs = 0): TimingJudgement {
  const allowanceMs = +(hostLateMs * Math.max(1, wakeups) + observerLateMs).toFixed(1);
  const observer = observerLateMs > 0 ? ` + ${observerLateMs.toFixed(1)} ms the coordinator` : '';
  const base = { hostLateMs: +hostLateMs.toFixed(1), allowanceMs };
  if (tookMs === null) return { ...base, outcome: 'FAIL', why: 'it never happened' };
  if (tookMs <= withinMs) return { ...base, outcome: 'PASS' };
  const over = tookMs - withinMs;
  if (over <= allowanceMs) {
    return { ...base, outcome: 'INCONCLUSIVE', why: `host late by ${base.hostLateMs} ms${lateThread ? ` in ${lateThread}` : ''} (x ${wakeups} wake-ups${observer} = ${allowanceMs} ms): ${over.toFixed(1)} ms over the bound is within it` };
  }
  return { ...base, outcome: 'FAIL', why: `${over.toFixed(1)} ms over the bound, more than the host's lateness explains (${allowanceMs} ms${lateThread ? `, worst in ${lateThread}` : ''})` };
}

/** The run's outcome from its parts: any FAIL fails it; else any INCONCLUSIVE; else PASS. */
export function overallOutcome(parts: readonly Outcome[]): Outcome {
  if (parts.includes('FAIL')) return 'FAIL';
  if (parts.includes('INCONCLUSIVE')) return 'INCONCLUSIVE';
  return 'PASS';
}
