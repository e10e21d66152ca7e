// A latency objective like "p99<5ms": which percentile, and the bound it must stay under.
import { LoadSpecError } from './patterns.ts';

export interface Slo {
  text: string;
  /** 50, 90, 99, 99.9, or 100 for max */
  percentile: number;
  maxUs: number;
}

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

export function parseSlo(text: string): Slo {
  const m = /^\s*(p(\d+(?:\.\d+)?)|max)\s*<\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)\s*$/.exec(text);
  const p = m ? (m[1] === 'max' ? 100 : Number(m[2])) : NaN;
  if (!m || !(p > 0 && p <= 100)) throw new LoadSpecError(`--slo must look like "p99<5ms" (a percentile p50..p99.99 or max, <, a time in us, ms or s), got '${text}'`);
  return { text: text.replace(/\s+/g, ''), percentile: p, maxUs: Number(m[3]) * UNIT_US[m[4]!]! };
}
