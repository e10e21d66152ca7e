// One timed check of a timeline run against the network: consistent, converged, forgotten or
// known, waited for a little past its bound so a late answer is measured rather than cut off.
// With foreign servers, problems that are only theirs become findings (foreign-checks.ts).
// The caller judges the timing against the host's measured lateness (host-lateness.ts).
import { ConvergenceTimeout } from '../coordinator/simulation.ts';
import type { Clock } from '../util/clock.ts';
import type { ExperimentNetwork } from './network.ts';
import type { Check } from './schema.ts';
import type { CheckResult } from './summary.ts';
import { pollConsistent } from './probe.ts';
import type { Consistency } from './consistency.ts';
import { diffProblems, ledgerProblems, splitCheckProblems } from './foreign-checks.ts';
import type { NodeProblem } from './foreign-findings.ts';
import { diffLines } from './verdict.ts';
import { describe } from './actions.ts';

/** A check's result before its timing is judged against the host's lateness (the caller does that). */
export type RawCheck = Omit<CheckResult, 'outcome'>;

export async function runCheck(sim: ExperimentNetwork, clock: Clock, c: Check, index: number, start: number, t0: number, graceMs = 1000): Promise<RawCheck> {
  const nowMs = () => clock.now();
  const base = { index, check: describe(c), startMs: +(start - t0).toFixed(3), withinMs: c.within };
  // Wait a little past the limit, so a late answer is measured rather than cut off.
  const timeoutMs = Math.max(0, start + c.within - nowMs()) + graceMs;
  const foreign = sim.topology.servers.some((s) => s.impl);
  // With foreign servers, a failed check passes when every problem is theirs (foreign-checks.ts).
  const judged = (problems: NodeProblem[], detail: string): RawCheck => {
    const { ours, findings } = splitCheckProblems(sim, problems);
    if (ours.length) return { ...base, tookMs: null, passed: false, detail: ours.slice(0, 5).join('; '), ...(findings.length ? { findings } : {}) };
    return { ...base, tookMs: null, passed: true, detail: `only foreign servers were wrong (${detail.slice(0, 200)})`, findings };
  };
  if (c.expect === 'consistent') {
    const oursOnly = (r: Consistency) => r.consistent || splitCheckProblems(sim, diffProblems(r.diff)).ours.length === 0;
    const { result, at } = await pollConsistent(sim, nowMs() + timeoutMs, 50, foreign ? oursOnly : undefined, clock);
    const took = Math.max(0, at - start);
    if (!result.consistent && foreign && oursOnly(result)) {
      // Consistent as far as ours go, when it was: timed as any check, the rest are findings.
      const { findings } = splitCheckProblems(sim, diffProblems(result.diff));
      return { ...base, tookMs: +took.toFixed(3), passed: took <= c.within, detail: 'consistent as far as ours go', findings };
    }
    if (!result.consistent && foreign) return judged(diffProblems(result.diff), diffLines(result.diff, 5).join('; '));
    if (!result.consistent) return { ...base, tookMs: null, passed: false, detail: diffLines(result.diff, 5).join('; ') };
    return { ...base, tookMs: +took.toFixed(3), passed: took <= c.within };
  }
  try {
    const r = c.expect === 'forgotten' ? await sim.forgotten(c.id, { timeoutMs, by: c.by, since: start })
      : c.expect === 'known' ? await sim.known(c.id, { timeoutMs })
        : await sim.converged({ timeoutMs });
    const took = Math.max(0, r.at - start);
    return { ...base, tookMs: +took.toFixed(3), passed: took <= c.within };
  } catch (err) {
    const detail = err instanceof ConvergenceTimeout ? err.diff.slice(0, 5).join('; ') : (err as Error).message;
    if (foreign && err instanceof ConvergenceTimeout) return judged(ledgerProblems(sim, c), detail);
    return { ...base, tookMs: null, passed: false, detail };
  }
}

/**
 * A check whose wait gave up before the host's lateness could excuse its answer does not show
 * the answer never came: wait again until `allowedUntil()` (asked anew after each wait: a
 * thread stalled now records its stall only once it runs again, so the allowance can grow
 * while we wait). Stops when the allowance has passed, or when a wait broke before its
 * deadline (a crash, the run stopping) rather than timed out.
 */
export async function waitOutLateness(first: RawCheck, allowedUntil: () => Promise<number>, waitUntil: (until: number) => Promise<RawCheck>, now: () => number): Promise<RawCheck> {
  let r = first;
  while (r.tookMs === null) {
    const until = await allowedUntil();
    if (until <= now()) break;
    r = await waitUntil(until);
    if (r.tookMs === null && now() < until) break;
  }
  return r;
}
