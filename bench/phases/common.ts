// Shared pieces of the benchmark phases.
import type { RecordableHistogram } from 'node:perf_hooks';
import { createHistogram } from 'node:perf_hooks';

export interface Progress {
  phase(name: string, total: number): void;
  tick(name: string, detail?: string): void;
  done(name: string): void;
  note(line: string): void;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
  count: number;
}

/** Percentiles of a histogram, converted by `scale` (e.g. µs -> ms). */
export function percentiles(h: RecordableHistogram, scale = 1): Percentiles {
  if (h.count === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, min: NaN, count: 0 };
  return {
    p50: h.percentile(50) * scale,
    p90: h.percentile(90) * scale,
    p99: h.percentile(99) * scale,
    max: h.max * scale,
    min: h.min * scale,
    count: h.count,
  };
}

/** Percentiles of plain samples (small sets, e.g. R convergence repeats), nearest-rank. */
export function samplePercentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  if (s.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, min: NaN, count: 0 };
  return { p50: at(50), p90: at(90), p99: at(99), max: s[s.length - 1]!, min: s[0]!, count: s.length };
}

export function merge(hs: RecordableHistogram[]): RecordableHistogram {
  const out = createHistogram();
  for (const h of hs) if (h.count > 0) out.add(h);
  return out;
}

/** Fresh client ids for load pairs, so a run never collides with the last one's leftovers. */
let nextId = 1_000_000;
export const freshId = () => nextId++;
