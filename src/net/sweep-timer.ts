// One timer per server for every sweep: connection timeouts, and liveness when it is on. It
// measures how late each run is, so liveness does not read a late thread's silence as a dead peer,
// and runs the sweep after that turn's reads: timers run before I/O, so after the thread stood
// still the peers' bytes waiting in the kernel are read first (our lateness cuts no peer).
import { performance } from 'node:perf_hooks';

import { nowMs } from '../util/clock.ts';

import { type ServerLimits, sweepIntervalMs } from './server-limits.ts';

/** Call `sweep(lateMs)` every sweep interval (the liveness interval, if shorter), after that turn's reads; unref'd. */
export function startSweepTimer(livenessIntervalMs: number, limits: ServerLimits, sweep: (lateMs: number) => void): NodeJS.Timeout {
  const every = livenessIntervalMs > 0 ? Math.min(livenessIntervalMs, sweepIntervalMs(limits)) : sweepIntervalMs(limits);
  let due = performance.now() + every;
  const timer = setInterval(() => {
    // How late this timer ran: liveness does not read a late thread's silence as a dead peer.
    const now = performance.now();
    const lateMs = Math.max(0, now - due);
    due = now + every;
    setImmediate(() => sweep(lateMs));
  }, every);
  timer.unref();
  return timer;
}

/**
 * A one-shot liveness look before the next sweep: a verdict held back only by the lateness
 * margin is due when the margin has passed, not a whole interval later. After that turn's reads,
 * as the sweep.
 */
export class RecheckTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sweep: (lateMs: number) => void) {}

  /** Look again at `at` (nowMs() clock) if that comes before the next sweep; replaces any earlier request. */
  set(at: number | undefined, now: number, intervalMs: number): void {
    this.stop();
    if (at === undefined || at - now >= intervalMs) return;
    const due = at + 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const late = Math.max(0, nowMs() - due);
      setImmediate(() => this.sweep(late));
    }, Math.max(0, due - now));
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
