// One timer per server for every sweep: connection timeouts, and liveness when it is on. It
// measures how late each run is, so liveness does not read a late thread's silence as a dead peer.
import { performance } from 'node:perf_hooks';

import { type ServerLimits, sweepIntervalMs } from './server-limits.ts';

/** Call `sweep(lateMs)` every sweep interval (the liveness interval, if shorter); unref'd. */
export function startSweepTimer(livenessIntervalMs: number, limits: ServerLimits, sweep: (lateMs: number) => void): NodeJS.Timeout {
  const every = livenessIntervalMs > 0 ? Math.min(livenessIntervalMs, sweepIntervalMs(limits)) : sweepIntervalMs(limits);
  let due = performance.now() + every;
  const timer = setInterval(() => {
    // How late this timer ran: liveness does not read a late thread's silence as a dead peer.
    const now = performance.now();
    const lateMs = Math.max(0, now - due);
    due = now + every;
    sweep(lateMs);
  }, every);
  timer.unref();
  return timer;
}
