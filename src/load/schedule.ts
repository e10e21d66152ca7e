// The open-loop arrival schedule: every chat has an intended send time fixed before the run,
// from the rate alone (never from when earlier chats came back). A run is a list of steps of
// constant total rate (one step, or a --ramp); each flow gets its share of the rate and a
// seeded phase, so flows do not all fire on the same microsecond. Times are computed by
// multiplication, not accumulation, so there is no drift: chat k of a step is at
// stepStart + (phase + k) / rate, exactly, for a given rate and seed.
import { mulberry32 } from '../util/random.ts';

export interface Step {
  /** total chats per second over every flow */
  rate: number;
  durationMs: number;
}

/** One flow's cursor over the steps: how far it has been sent. */
export class FlowSchedule {
  private step = 0;
  private k = 0;
  private readonly starts: number[];
  /** chats scheduled for this flow over the whole run */
  readonly total: number;

  /** `share`: this flow's fraction of the total rate; `phase` in [0, 1): its offset within one interval. */
  constructor(private steps: readonly Step[], private readonly share: number, private readonly phase: number) {
    this.starts = [];
    let at = 0;
    let total = 0;
    for (const s of steps) {
      this.starts.push(at);
      total += countInStep(s, share, phase);
      at += s.durationMs;
    }
    this.total = total;
  }

  /** The intended time (ms since the run's start) of the next chat, or undefined when the run is over. */
  peek(): number | undefined {
    while (this.step < this.steps.length) {
      const s = this.steps[this.step]!;
      const rate = s.rate * this.share;
      if (rate > 0) {
        const t = ((this.phase + this.k) * 1000) / rate;
        if (t < s.durationMs) return this.starts[this.step]! + t;
      }
      this.step++;
      this.k = 0;
    }
    return undefined;
  }

  /** Move past the chat peek() returned. */
  advance(): void {
    this.k++;
  }

  /** Which step the time `ms` (since the run's start) falls in. */
  stepAt(ms: number): number {
    let i = 0;
    while (i + 1 < this.starts.length && ms >= this.starts[i + 1]!) i++;
    return i;
  }

  /** End the run at `ms` (Ctrl-C): nothing intended from then on is sent. */
  cutAt(ms: number): void {
    const i = this.stepAt(ms);
    const kept = this.steps.slice(0, i + 1).map((s, j) => (j === i ? { ...s, durationMs: Math.min(s.durationMs, Math.max(0, ms - this.starts[i]!)) } : s));
    this.steps = kept;
  }
}

function countInStep(s: Step, share: number, phase: number): number {
  const rate = s.rate * share;
  if (!(rate > 0)) return 0;
  // k such that (phase + k) / rate * 1000 < duration
  return Math.max(0, Math.ceil((s.durationMs * rate) / 1000 - phase));
}

/** Each flow's phase from the seed: the same seed, the same schedule. */
export function flowPhases(flows: number, seed: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: flows }, () => rand());
}

/** Each flow's share of the total rate, in proportion to its weight. */
export function flowShares(weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (sum > 0 ? w / sum : 0));
}

/** Every intended time of one flow (ms since the run's start): for tests and reports. */
export function intendedTimes(steps: readonly Step[], share: number, phase: number): number[] {
  const s = new FlowSchedule(steps, share, phase);
  const out: number[] = [];
  for (let t = s.peek(); t !== undefined; t = s.peek()) {
    out.push(t);
    s.advance();
  }
  return out;
}

/** Steps of a --ramp FROM:TO:STEP:EACH: FROM, FROM+STEP, … up to TO, each for EACH ms. */
export function rampSteps(from: number, to: number, step: number, eachMs: number): Step[] {
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  return Array.from({ length: Math.max(0, n) }, (_, i) => ({ rate: from + i * step, durationMs: eachMs }));
}
