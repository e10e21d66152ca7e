// Ask the kernel for precise wake-ups in this thread. Linux rounds every timed sleep of a
// thread (epoll_wait's timeout, so every setTimeout, and futex waits) up by its "timer slack",
// 50 µs by default, to coalesce wake-ups: on this 2-vCPU VM a setTimeout(1) then fires
// 0.15 ms late at the median instead of 0.09 (docs/proxy-scheduler.md). A thread may set its
// own slack without privileges through /proc/<tid>/timerslack_ns (prctl PR_SET_TIMERSLACK);
// elsewhere (not Linux, /proc read-only) this does nothing.
import { readlinkSync, writeFileSync } from 'node:fs';

/** ns; 0 would mean "reset to the default", so the least precise-enough value instead. */
export const PRECISE_SLACK_NS = 1000;

/** Set this thread's timer slack; true when the kernel took it. Once per thread is enough. */
export function usePreciseTimerSlack(ns = PRECISE_SLACK_NS): boolean {
  try {
    // "/proc/thread-self" -> "<pid>/task/<tid>"; the file is /proc/<tid>/timerslack_ns.
    const tid = readlinkSync('/proc/thread-self').split('/').pop();
    writeFileSync(`/proc/${tid}/timerslack_ns`, String(ns));
    return true;
  } catch {
    return false;
  }
}
