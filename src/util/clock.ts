// Time, passed in. Every event is stamped with a Clock's now(), and everything that waits
// (toxics, liveness ticks, the Ledger's waits, traffic, an experiment's timeline) waits on one,
// so the same code runs on real ports (`realClock`) and in virtual time (`VirtualClock`,
// virtual-clock.ts: a discrete-event queue, for exact and replayable runs).
//
// The real clock is wall-clock milliseconds with sub-ms precision (performance.timeOrigin +
// performance.now()). Every thread's timeOrigin is on the same wall clock, so stamps taken in
// different worker threads compare directly.
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A timer set on a Clock: cancel it with the same clock. */
export interface ClockTimer {
  readonly due: number;
}

export interface Clock {
  /** Virtual clocks run only as fast as their queue of timers; real ones with the wall. */
  readonly virtual: boolean;
  /** Milliseconds (real: since the epoch, sub-ms; virtual: since the run began). */
  now(): number;
  /** Run `fn` at `due` (this clock's ms), never before; timers with equal due times run in the order set. */
  at(due: number, fn: () => void): ClockTimer;
  cancel(timer: ClockTimer | undefined): void;
  /** Resolves at `t` (at once if it has passed). */
  sleepUntil(t: number): Promise<void>;
}

interface RealTimer extends ClockTimer {
  handle: NodeJS.Timeout | undefined;
}

/** Wall time. Its timers are setTimeout's (1-2 ms late); sleepUntil finishes with turns of the loop, never early. */
export const realClock: Clock = {
  virtual: false,
  now: nowMs,
  at(due, fn) {
    const t: RealTimer = { due, handle: undefined };
    // setTimeout truncates a fractional delay: round up, so a timer never runs before its due time.
    t.handle = setTimeout(() => { t.handle = undefined; fn(); }, Math.max(0, Math.ceil(due - nowMs())));
    return t;
  },
  cancel(timer) {
    const t = timer as RealTimer | undefined;
    if (t?.handle !== undefined) clearTimeout(t.handle);
    if (t) t.handle = undefined;
  },
  async sleepUntil(t) {
    const left = t - nowMs();
    if (left > 2) await new Promise((r) => setTimeout(r, left - 1));
    while (nowMs() < t) await new Promise((r) => setImmediate(r));
  },
};
