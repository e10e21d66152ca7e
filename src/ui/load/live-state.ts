// What the live view of `npm run load` shows, folded from each second's summary: pure, so the
// ink view and the plain lines read the same numbers.
import type { Trial } from '../../load/find-max.ts';
import { type SecondSummary, stallText } from '../../load/summary.ts';

/** Seconds of history the sparkline keeps. */
const HISTORY = 60;
const BARS = '▁▂▃▄▅▆▇█';

export class LoadLiveState {
  label = '';
  plannedS = 0;
  elapsedS = 0;
  last: SecondSummary | undefined;
  lost = { unknownDestination: 0, cut: 0 };
  readonly p99History: number[] = [];
  readonly trials: Trial[] = [];
  notes: string[] = [];

  second(s: SecondSummary, run: { label: string; plannedS: number }): void {
    if (run.label !== this.label || s.second + 1 < this.elapsedS) this.p99History.length = 0;
    this.label = run.label;
    this.plannedS = run.plannedS;
    this.elapsedS = s.second + 1;
    this.last = s;
    this.lost.unknownDestination += s.unknownDestination;
    this.lost.cut += s.cut;
    this.p99History.push(s.latencyMs?.p99 ?? 0);
    if (this.p99History.length > HISTORY) this.p99History.shift();
  }

  trial(t: Trial): void {
    this.trials.push(t);
  }

  note(line: string): void {
    this.notes.push(line);
    if (this.notes.length > 5) this.notes.shift();
  }

  /** The p99 history as bars, log-scaled between its smallest and largest values. */
  sparkline(): string {
    const xs = this.p99History.map((v) => Math.log10(Math.max(0.001, v)));
    if (!xs.length) return '';
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return xs.map((x) => BARS[hi > lo ? Math.round(((x - lo) / (hi - lo)) * (BARS.length - 1)) : 0]).join('');
  }

  /** One plain line for the last second. */
  line(): string {
    const s = this.last;
    if (!s) return `${this.label}: starting`;
    const l = s.latencyMs;
    const lat = l ? `p50 ${l.p50} p99 ${l.p99} p99.9 ${l.p99_9} max ${l.max} ms` : 'nothing delivered';
    const late = s.lateMaxMs > 1 ? `; generator up to ${s.lateMaxMs} ms late${s.stall ? ` (${stallText(s.stall)})` : ''}` : '';
    const loss = s.unknownDestination || s.cut ? `; unknown dest ${s.unknownDestination}, not sent ${s.cut}` : '';
    return `[${this.label} ${this.elapsedS}/${Math.ceil(this.plannedS)} s] offered ${s.offered}/s delivered ${s.delivered}/s; ${lat}${late}${loss}`;
  }
}
