// The verdict of bench/load-agreement.ts, as pure arithmetic over its rows: at each rate, the
// open loop's p50 against the window-1 sender's p50 at the same rate (paced), round by round,
// and whether that ratio is within noise. Like for like: both timed from the chat's write (the
// paced sender stamps its actual send); the open loop's p50 from the intended send (with the
// generator's lateness) is compared too, and reported. Noise is the measure's own round-to-round spread:
// the paced p50's largest over its smallest round. A ratio's median inside [1/noise, noise]
// is "within noise": the two differ by no more than one of them differs from itself.

export interface AgreementRow {
  round: number;
  /** 'b2b': the bench's window-1 sender back to back; 'paced': the same sender capped at `rate`; 'open': npm run load's open loop at `rate` */
  kind: 'b2b' | 'paced' | 'open';
  /** the rate asked for, chats/s (b2b: none, 0) */
  rate: number;
  /** the rate reached, chats/s */
  perSec: number;
  p50Us: number;
  p99Us: number;
  /** open loop: p50 from each chat's write instead of its intended send (no generator lateness), µs */
  fromWriteP50Us?: number;
  /** open loop: the generator's send lateness p50 (inside its latency), µs */
  sendLateP50Us?: number;
  /** open loop: the generator thread's CPU per chat, µs */
  cpuPerChatUs?: number;
}

export interface RateVerdict {
  /** 'low' (--rate) or 'busy' (a share of the window-1 rate) */
  label: string;
  rates: number[];
  /** open p50 from the write / paced p50, per round (like for like) */
  ratios: number[];
  /** open p50 from the intended send / paced p50, per round (the generator's lateness included) */
  intendedRatios: number[];
  median: number;
  min: number;
  max: number;
  /** the paced p50's round-to-round spread (largest / smallest), and the open loop's */
  pacedSpread: number;
  openSpread: number;
  withinNoise: boolean;
  /** p50 at this rate over the back-to-back p50 of the same round (medians): the cost of idle threads, both senders */
  openOverB2b: number;
  pacedOverB2b: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

const spread = (xs: readonly number[]) => (xs.length === 0 ? NaN : Math.max(...xs) / Math.min(...xs));

/** The verdict at one rate label, from rows whose `rate` is picked per round by `rateOf`. */
export function verdict(rows: readonly AgreementRow[], label: string, rateOf: (round: number) => number): RateVerdict {
  const rounds = [...new Set(rows.map((r) => r.round))].sort((a, b) => a - b);
  const ratios: number[] = [];
  const intendedRatios: number[] = [];
  const paced: number[] = [];
  const open: number[] = [];
  const openB: number[] = [];
  const pacedB: number[] = [];
  const rates: number[] = [];
  for (const round of rounds) {
    const rate = rateOf(round);
    const p = rows.find((r) => r.round === round && r.kind === 'paced' && r.rate === rate);
    const o = rows.find((r) => r.round === round && r.kind === 'open' && r.rate === rate);
    const b = rows.find((r) => r.round === round && r.kind === 'b2b');
    if (!p || !o) continue;
    rates.push(rate);
    const openUs = o.fromWriteP50Us ?? o.p50Us;
    ratios.push(openUs / p.p50Us);
    intendedRatios.push(o.p50Us / p.p50Us);
    paced.push(p.p50Us);
    open.push(openUs);
    if (b) {
      openB.push(openUs / b.p50Us);
      pacedB.push(p.p50Us / b.p50Us);
    }
  }
  const m = median(ratios);
  const noise = spread(paced);
  return {
    label, rates, ratios, intendedRatios, median: m, min: Math.min(...ratios), max: Math.max(...ratios),
    pacedSpread: noise, openSpread: spread(open),
    withinNoise: ratios.length >= 2 && m <= noise && m >= 1 / noise,
    openOverB2b: median(openB), pacedOverB2b: median(pacedB),
  };
}
