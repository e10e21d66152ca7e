// The timers behind every timed toxic, as an instance over a Clock, and per-dispatch write
// batching. Two kinds (schedulerFor picks one):
//
// PreciseScheduler, on the real clock. setTimeout alone fires 1-2 ms late (libuv's clock is
// millisecond-grained and cached per loop turn), which would make a "1 ms latency" toxic
// deliver at 2-3 ms. So: one min-heap of due times per thread (the default instance); sleep
// with a single setTimeout until ~1 ms before the earliest (whole milliseconds, so 1-2 ms
// before), then finish with setImmediate turns that compare against the clock. The event loop
// keeps serving sockets during those turns (the poll phase just does not block), so this is
// bounded to the last 1-2 ms before a due time. Each of those turns also sleeps up to 50 µs in
// Atomics.wait (a futex wait with µs resolution; never past the due time) instead of spinning:
// a bare setImmediate spin runs ~10^6 turns/s, burns a core the simulated nodes need, and
// allocates enough to trigger a scavenge every ~25 ms, and a scavenge (0.3-1 ms) is exactly
// the jitter this is meant to avoid. Sockets wait at most those 50 µs.
//
// ClockScheduler, on a virtual clock: each timer is the clock's own timer (exact, replayable).
//
// Everything that runs inside one dispatch (one group of timers due at the same instant, one
// socket read, a release of held bytes) is a "batch": sockets written during it collect their
// chunks and write once when the batch ends, so chunks due together leave in one write (the
// DispatchScope of net/write-coalescer.ts).
import { createHistogram, performance } from 'node:perf_hooks';
import type { Clock, ClockTimer } from '../util/clock.ts';
import { realClock } from '../util/clock.ts';
import { DispatchScope, type Flushable } from '../net/write-coalescer.ts';

/** A timer set on a Scheduler: cancel it with the same scheduler. */
export type Timer = ClockTimer;

export interface LatenessStats {
  /** groups of timers run */
  count: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
  /** setImmediate turns spent in the last 1-2 ms before due times (each a wake-up: see the header) */
  stretchTurns: number;
}

/** What a pipe and its toxics use for time. Methods are bound: pass them around freely. */
export interface Scheduler {
  readonly clock: Clock;
  /** The clock's ms. */
  readonly now: () => number;
  /** Run `fn` at `due` (a now() value), never before, as one dispatch with whatever else is due then. */
  readonly at: (due: number, fn: () => void) => Timer;
  readonly cancel: (t: Timer | undefined) => void;
  /** The dispatch scope writes coalesce in. */
  readonly dispatch: DispatchScope;
  /** Timers waiting (not cancelled). */
  pendingTimers(): number;
  /** How late timers ran since the last reset (always 0 on a virtual clock). */
  lateness(reset?: boolean): LatenessStats;
}

const NO_LATENESS: LatenessStats = { count: 0, p50Us: 0, p99Us: 0, maxUs: 0, meanUs: 0, stretchTurns: 0 };

/** Wake this long before a due time and finish with setImmediate checks (ms). */
const LEAD_MS = 1;
/** Longest blocking wait per turn in the last LEAD_MS (ms). */
const SPIN_SLICE_MS = 0.05;
/** Busy-wait (rather than sleep) this close to a due time (ms). */
const SPIN_FINAL_MS = 0.08;
/** Nobody ever notifies it: Atomics.wait on it is a precise sleep. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** realClock's time base, read once (realClock.now() is this plus performance.now()). */
const origin = performance.timeOrigin;

interface HeapTimer extends Timer {
  /** insertion order, to keep timers with equal due times FIFO */
  readonly seq: number;
  /** cleared when fired or cancelled */
  fn: (() => void) | undefined;
}

/** Real time, as precise as the thread allows: see the file's header. */
export class PreciseScheduler implements Scheduler {
  readonly clock: Clock = realClock;
  readonly dispatch = new DispatchScope();
  private readonly heap: HeapTimer[] = [];
  private seq = 0;
  private cancelled = 0;
  private armedTimeout: NodeJS.Timeout | undefined;
  private armedImmediate: NodeJS.Immediate | undefined;
  private armedFor = Infinity;
  private pumping = false;
  /** How late each group of timers ran, ns (never negative: nothing runs early). */
  private readonly late = createHistogram();
  /** Turns of the final stretch since the last reset: its cost, read by bench/proxy-ab.ts. */
  private stretchTurns = 0;

  readonly now = (): number => origin + performance.now();

  readonly at = (due: number, fn: () => void): Timer => {
    const t: HeapTimer = { due, seq: this.seq++, fn };
    this.heapPush(t);
    if (!this.pumping && due < this.armedFor && this.armedImmediate === undefined) this.arm();
    return t;
  };

  readonly cancel = (timer: Timer | undefined): void => {
    const t = timer as HeapTimer | undefined;
    if (!t || t.fn === undefined) return;
    t.fn = undefined;
    // Lazy deletion; compact when most of the heap is dead (e.g. many closed connections).
    if (++this.cancelled > 64 && this.cancelled > this.heap.length / 2) this.compact();
  };

  pendingTimers(): number {
    return this.heap.length - this.cancelled;
  }

  lateness(reset = false): LatenessStats {
    const h = this.late;
    const out = h.count === 0
      ? { ...NO_LATENESS, stretchTurns: this.stretchTurns }
      : { count: h.count, p50Us: h.percentile(50) / 1000, p99Us: h.percentile(99) / 1000, maxUs: h.max / 1000, meanUs: h.mean / 1000, stretchTurns: this.stretchTurns };
    if (reset) {
      h.reset();
      this.stretchTurns = 0;
    }
    return out;
  }

  private readonly pump = (): void => {
    this.armedTimeout = undefined;
    this.armedImmediate = undefined;
    this.armedFor = Infinity;
    this.pumping = true;
    const heap = this.heap;
    try {
      let t = this.now();
      const first = heap[0];
      if (first !== undefined && first.fn !== undefined && first.due > t && first.due - t < LEAD_MS + 1) {
        // In the setImmediate phase (arm() sleeps whole milliseconds, so that is the last 1-2 ms):
        // sleep up to one slice, but wake ~80 µs early (the kernel's default timer slack is
        // 50 µs) and busy-wait the last stretch.
        this.stretchTurns++;
        const left = first.due - t;
        if (left > SPIN_FINAL_MS) {
          Atomics.wait(sleeper, 0, 0, Math.min(left - SPIN_FINAL_MS, SPIN_SLICE_MS));
          t = this.now();
        } else {
          while (t < first.due) t = this.now();
        }
      }
      // Timers added while this pump runs (a toxic scheduling its next step) wait for the next
      // turn even when already due: a pump always ends, and sockets get a poll phase between.
      const limit = this.seq;
      for (;;) {
        const top = heap[0];
        if (top === undefined) break;
        if (top.fn === undefined) {
          this.heapPop();
          this.cancelled--;
          continue;
        }
        // Only what was due when this turn began: anything later waits for the next turn, so
        // sockets (and a receiver in this thread) get a poll phase between deliveries.
        if (top.due > t || top.seq >= limit) break;
        // Everything due at exactly this instant runs in one batch: one write per socket.
        const due = top.due;
        this.late.record(Math.max(1, Math.round((this.now() - due) * 1e6)));
        this.dispatch.begin();
        try {
          while (heap.length > 0 && heap[0]!.due === due && heap[0]!.seq < limit) {
            const e = this.heapPop()!;
            const fn = e.fn;
            if (fn === undefined) {
              this.cancelled--;
              continue;
            }
            e.fn = undefined;
            try {
              fn();
            } catch (err) {
              queueMicrotask(() => {
                throw err;
              });
            }
          }
        } finally {
          this.dispatch.end();
        }
      }
    } finally {
      this.pumping = false;
      this.arm();
    }
  };

  private arm(): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.fn === undefined) {
      this.heapPop();
      this.cancelled--;
    }
    const top = heap[0];
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.armedImmediate !== undefined) return; // already as soon as possible
    if (this.armedTimeout !== undefined && this.armedFor <= top.due) return;
    this.disarm();
    this.armedFor = top.due;
    const sleep = Math.floor(top.due - this.now() - LEAD_MS);
    if (sleep >= 1) this.armedTimeout = setTimeout(this.pump, sleep);
    else this.armedImmediate = setImmediate(this.pump);
  }

  private disarm(): void {
    if (this.armedTimeout !== undefined) clearTimeout(this.armedTimeout);
    if (this.armedImmediate !== undefined) clearImmediate(this.armedImmediate);
    this.armedTimeout = undefined;
    this.armedImmediate = undefined;
    this.armedFor = Infinity;
  }

  private heapPush(t: HeapTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = t;
  }

  private heapPop(): HeapTimer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
    return top;
  }

  private compact(): void {
    const live = this.heap.filter((t) => t.fn !== undefined);
    this.heap.length = 0;
    this.cancelled = 0;
    for (const t of live) this.heapPush(t);
  }
}

function before(a: HeapTimer, b: HeapTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/** On a virtual clock: each timer is the clock's, run as one dispatch. Exact by construction. */
export class ClockScheduler implements Scheduler {
  readonly dispatch = new DispatchScope();
  /** Set and neither run nor cancelled. */
  private readonly waiting = new Set<Timer>();

  constructor(readonly clock: Clock) {}

  readonly now = (): number => this.clock.now();

  readonly at = (due: number, fn: () => void): Timer => {
    const timer = this.clock.at(due, () => {
      this.waiting.delete(timer);
      this.dispatch.run(fn);
    });
    this.waiting.add(timer);
    return timer;
  };

  readonly cancel = (t: Timer | undefined): void => {
    if (t === undefined || !this.waiting.delete(t)) return; // already run or cancelled
    this.clock.cancel(t);
  };

  pendingTimers(): number {
    return this.waiting.size;
  }

  lateness(): LatenessStats {
    return { ...NO_LATENESS };
  }
}

/** This thread's real-time scheduler: every proxy on real sockets shares it. */
export const defaultScheduler = new PreciseScheduler();

const onClocks = new WeakMap<Clock, Scheduler>();

/** The scheduler for `clock`: the thread's precise one for real time, one per virtual clock. */
export function schedulerFor(clock: Clock = realClock): Scheduler {
  if (!clock.virtual) return defaultScheduler;
  let s = onClocks.get(clock);
  if (!s) onClocks.set(clock, (s = new ClockScheduler(clock)));
  return s;
}

// ---- the default instance, for callers that predate the seam ---------------------------------

export const now = defaultScheduler.now;
export const at = defaultScheduler.at;
export const cancel = defaultScheduler.cancel;
export const dispatch = defaultScheduler.dispatch;

export function pendingTimers(): number {
  return defaultScheduler.pendingTimers();
}

/** How late this thread's real-time timers ran (since the last reset). */
export function schedulerLateness(reset = false): LatenessStats {
  return defaultScheduler.lateness(reset);
}

export type { Flushable };

export function inBatch(): boolean {
  return dispatch.active;
}

/** Defer `f.flush()` to the end of the current batch (outside one, flush at once). */
export function markDirty(f: Flushable): void {
  dispatch.mark(f);
}

/** Run `fn` as one batch: writes it causes are coalesced per socket and sent when it returns. */
export function batch<T>(fn: () => T): T {
  return dispatch.run(fn);
}
