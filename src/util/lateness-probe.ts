// How late this host runs timers: a timer due every `periodMs` notes how late it fired, and
// the worst lateness of each window of `windowMs` is kept (a bounded ring: the newest
// `maxWindows`). A check that misses its bound by less than the host's own lateness around it
// says more about the machine than about the network (issue 20: "host late, not slow network").
import { nowMs } from './clock.ts';

export interface LatenessWindow {
  /** window start (ms, nowMs() clock) */
  t: number;
  /** worst lateness of the probe's timer seen in the window (ms) */
  maxMs: number;
}

export interface LatenessSummary {
  periodMs: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One thread's lateness as the coordinator gathers it: the worst around a span, and the run's summary. */
export interface ThreadLateness {
  /** the thread (a worker's label, `coordinator`, or a server process) */
  thread: string;
  /** its worst timer lateness in the windows overlapping the span asked about (ms) */
  maxMs: number;
  summary: LatenessSummary;
}

/**
 * The probe every worker thread and server process runs (one per thread, whatever it hosts):
 * a 10 ms timer, the worst per 100 ms window, the newest 10 minutes kept, percentiles to 0.5 ms.
 */
export const threadProbe = (): LatenessProbe => new LatenessProbe(10, 100, 6000, 0.5);

/**
 * CRC_LATENESS_PROBES=off: worker threads and server processes start no probe (to measure what
 * the probes cost, docs/host-lateness.md). Their lateness then reads 0 and excuses nothing.
 */
export const threadProbesOff = (): boolean => process.env.CRC_LATENESS_PROBES === 'off';

export class LatenessProbe {
  private readonly windows: LatenessWindow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  /** every sample's lateness in buckets of `bucketMs`, for the run's percentiles (bounded: 10 s of buckets) */
  private readonly buckets: Uint32Array;
  private samples = 0;
  private worst = 0;
  /** when the timer last ran (0: never): a stall in progress is not in any window yet */
  private lastRun = 0;
  /** Told each time a window's worst grows (a thread's probe publishes it to the host's board). */
  onWindow: ((windowStart: number, maxMs: number, windowMs: number) => void) | undefined;
  /** Told each time the probe's timer runs (the board's "last ran": a stall in progress shows). */
  onRun: ((at: number) => void) | undefined;

  constructor(readonly periodMs = 5, readonly windowMs = 100, readonly maxWindows = 36_000, readonly bucketMs = 0.1) {
    if (!(periodMs > 0) || !(windowMs >= periodMs) || !(maxWindows > 0) || !(bucketMs > 0)) throw new RangeError('LatenessProbe: periodMs > 0, windowMs >= periodMs, maxWindows > 0, bucketMs > 0');
    this.buckets = new Uint32Array(Math.ceil(10_000 / bucketMs));
  }

  start(): this {
    if (this.timer) return this;
    this.due = nowMs() + this.periodMs;
    const fire = () => {
      const now = nowMs();
      this.lastRun = now;
      this.onRun?.(now);
      this.note(now, Math.max(0, now - this.due));
      this.due = now + this.periodMs;
      this.timer = setTimeout(fire, this.periodMs);
      this.timer.unref();
    };
    this.timer = setTimeout(fire, this.periodMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Record one sample (the timer does; exposed for tests and for probes driven from elsewhere). */
  note(at: number, lateMs: number): void {
    const start = at - (at % this.windowMs);
    const last = this.windows.at(-1);
    if (last && last.t === start) {
      if (lateMs > last.maxMs) {
        last.maxMs = lateMs;
        this.onWindow?.(start, lateMs, this.windowMs);
      }
    } else {
      this.windows.push({ t: start, maxMs: lateMs });
      if (this.windows.length > this.maxWindows) this.windows.shift();
      this.onWindow?.(start, lateMs, this.windowMs);
    }
    this.buckets[Math.min(this.buckets.length - 1, Math.round(lateMs / this.bucketMs))]!++;
    this.samples++;
    this.worst = Math.max(this.worst, lateMs);
  }

  /**
   * The worst lateness seen in any window overlapping [from, to] (0 if none was kept), and, when
   * `to` is now or later, the stall in progress: how long past its period the timer has not run
   * (asked over comlink right after a long stall, the thread may answer before its timer runs).
   */
  maxIn(from: number, to: number): number {
    const now = nowMs();
    let worst = this.timer && this.lastRun > 0 && to >= now ? Math.max(0, now - this.lastRun - this.periodMs) : 0;
    for (const w of this.windows) if (w.t + this.windowMs >= from && w.t <= to) worst = Math.max(worst, w.maxMs);
    return worst;
  }

  /** This thread's part of a ThreadLateness: the worst around [from, to], and the summary. */
  around(from: number, to: number): Omit<ThreadLateness, 'thread'> {
    return { maxMs: +this.maxIn(from, to).toFixed(2), summary: this.summary() };
  }

  summary(): LatenessSummary {
    const pct = (p: number) => {
      if (this.samples === 0) return 0;
      const want = Math.ceil((p / 100) * this.samples);
      let seen = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        seen += this.buckets[i]!;
        if (seen >= want) return +(i * this.bucketMs).toFixed(2);
      }
      return this.worst;
    };
    return { periodMs: this.periodMs, samples: this.samples, p50Ms: pct(50), p99Ms: pct(99), maxMs: +this.worst.toFixed(2) };
  }
}
