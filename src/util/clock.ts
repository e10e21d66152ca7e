// The one clock every event is stamped with: wall-clock milliseconds with sub-ms precision
// (performance.timeOrigin + performance.now()). Every thread's timeOrigin is on the same
// wall clock, so stamps taken in different worker threads compare directly.
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
