// --find-max: the highest total rate that keeps the SLO for the whole duration. Doubles the
// rate from --rate until a trial breaks the SLO, then bisects between the last rate that held
// and the first that broke, to within 10 %. A trial holds when its percentile (timed from the
// intended sends) is under the bound and nothing was lost.
import type { LoadSession } from './session.ts';
import type { Slo } from './slo.ts';
import { type Limiting, limitingResource } from './limiting.ts';
import type { RunSummary, SecondSummary } from './summary.ts';

export interface Trial {
  rate: number;
  held: boolean;
  /** the SLO's percentile in the trial, ms */
  valueMs: number | null;
  why: string;
}

export interface FindMaxResult {
  slo: string;
  /** highest rate that held (0: none did) */
  maxRate: number;
  trials: Trial[];
  /** what saturated first: from the first trial that broke the SLO */
  limiting: Limiting | null;
  runs: RunSummary[];
}

/** At most this many trials, so a noisy machine cannot keep it bisecting. */
const MAX_TRIALS = 14;
const PRECISION = 0.1;
const MAX_RATE = 1_000_000;

export function judge(run: RunSummary, slo: Slo): Trial {
  const rate = run.steps[0]!.rate;
  const l = run.total.latencyMs;
  const valueMs = l ? (slo.percentile >= 100 ? l.max : slo.percentile >= 99.9 ? l.p99_9 : slo.percentile >= 99 ? l.p99 : slo.percentile >= 90 ? l.p90 : l.p50) : null;
  const lost = run.total.lost + run.total.unknownDestination + run.total.cut;
  if (lost > 0) return { rate, held: false, valueMs, why: `${lost} chats lost` };
  if (valueMs === null) return { rate, held: false, valueMs, why: 'nothing delivered' };
  const bound = slo.maxUs / 1000;
  // Latency counts from the intended send, so a late generator's lag is inside valueMs: a
  // trial under the bound held regardless; one over it says when the generator shares the blame.
  const late = run.generator.keptRate ? '' : ` (${run.generator.note})`;
  return valueMs < bound ? { rate, held: true, valueMs, why: `${valueMs} ms < ${bound} ms` } : { rate, held: false, valueMs, why: `${valueMs} ms >= ${bound} ms${late}` };
}

/** SLO percentiles other than p50/p90/p99/p99.9/max are judged at the next one up. */
export async function findMax(session: LoadSession, o: { slo: Slo; startRate: number; durationMs: number; onTrial?: (t: Trial) => void; onSecond?: (s: SecondSummary) => void; stopped?: () => boolean }): Promise<FindMaxResult> {
  const trials: Trial[] = [];
  const runs: RunSummary[] = [];
  let limiting: Limiting | null = null;
  const attempt = async (rate: number): Promise<boolean> => {
    const run = await session.run(`find-max ${rate}/s`, [{ rate, durationMs: o.durationMs }], { onSecond: o.onSecond });
    runs.push(run);
    const t = judge(run, o.slo);
    trials.push(t);
    o.onTrial?.(t);
    if (!t.held && !limiting) limiting = limitingResource(run, (id) => session.sim.nameOf(id));
    return t.held && !run.interrupted;
  };
  let lo = 0;
  let hi = 0;
  for (let rate = o.startRate; rate <= MAX_RATE && trials.length < MAX_TRIALS; rate *= 2) {
    if (o.stopped?.()) break;
    if (await attempt(rate)) lo = rate;
    else {
      hi = rate;
      break;
    }
  }
  if (hi === 0 && lo > 0) hi = lo * 2; // never broke below the cap
  while (hi > 0 && trials.length < MAX_TRIALS && !o.stopped?.() && hi - lo > PRECISION * Math.max(lo, 1) && hi > 1) {
    const mid = Math.round((lo + hi) / 2);
    if (mid === lo || mid === hi) break;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  // Nothing broke: say what was busiest at the last rate tried.
  limiting ??= runs.length ? limitingResource(runs.at(-1)!, (id) => session.sim.nameOf(id)) : null;
  return { slo: o.slo.text, maxRate: lo, trials, limiting, runs };
}
