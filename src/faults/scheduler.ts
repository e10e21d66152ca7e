// A precise one-shot timer for injected delays, and per-dispatch write batching.
//
// setTimeout alone fires 1-2 ms late (libuv's clock is millisecond-grained and cached per
// loop turn), which would make a "1 ms latency" toxic deliver at 2-3 ms. So: one min-heap of
// due times (performance.now() ms) for the whole thread; sleep with a single setTimeout until
// ~1 ms before the earliest (whole milliseconds, so 1-2 ms before), then finish with
// setImmediate turns that compare against performance.now(). The event loop keeps serving
// sockets during those turns (the poll phase just does not block), so this is bounded to the
// last 1-2 ms before a due time. Each of those turns also sleeps up to 50 µs in Atomics.wait (a futex wait with µs
// resolution; never past the due time) instead of spinning: a bare setImmediate spin runs
// ~10^6 turns/s, burns a core the simulated nodes need, and allocates enough to trigger a
// scavenge every ~25 ms, and a scavenge (0.3-1 ms) is exactly the jitter this is meant to
// avoid. Sockets wait at most those 50 µs.
//
// Everything that runs inside one dispatch (one group of timers due at the same instant, one
// socket read, a release of held bytes) is a "batch": sockets written during it collect their
// chunks and write once when the batch ends, so chunks due together leave in one write (the
// DispatchScope of net/write-coalescer.ts).
import { createHistogram, performance } from 'node:perf_hooks';
import { DispatchScope, type Flushable } from '../net/write-coalescer.ts';

export interface Timer {
  readonly due: number;
  /** @internal insertion order, to keep timers with equal due times FIFO */
  readonly seq: number;
  /** @internal cleared when fired or cancelled */
  fn: (() => void) | undefined;
}

/** Wake this long before a due time and finish with setImmediate checks (ms). */
const LEAD_MS = 1;
/** Longest blocking wait per turn in the last LEAD_MS (ms). */
const SPIN_SLICE_MS = 0.05;
/** Busy-wait (rather than sleep) this close to a due time (ms). */
const SPIN_FINAL_MS = 0.08;
/** Nobody ever notifies it: Atomics.wait on it is a precise sleep. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const heap: Timer[] = [];
let seq = 0;
let cancelled = 0;
let armedTimeout: NodeJS.Timeout | undefined;
let armedImmediate: NodeJS.Immediate | undefined;
let armedFor = Infinity;
let pumping = false;
/** How late each group of timers ran, ns (never negative: nothing runs early). */
const lateness = createHistogram();

export const now = (): number => performance.now();

/** Run `fn` at `due` (performance.now() ms), as close as the thread allows; never before. */
export function at(due: number, fn: () => void): Timer {
  const t: Timer = { due, seq: seq++, fn };
  heapPush(t);
  if (!pumping && due < armedFor && armedImmediate === undefined) arm();
  return t;
}

export function cancel(t: Timer | undefined): void {
  if (!t || t.fn === undefined) return;
  t.fn = undefined;
  // Lazy deletion; compact when most of the heap is dead (e.g. many closed connections).
  if (++cancelled > 64 && cancelled > heap.length / 2) compact();
}

/** Timers waiting (including cancelled ones not yet discarded): for tests and stats. */
export function pendingTimers(): number {
  return heap.length - cancelled;
}

export interface LatenessStats {
  /** groups of timers run */
  count: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

/** How late this thread's timers ran (since the last reset). */
export function schedulerLateness(reset = false): LatenessStats {
  const out = lateness.count === 0
    ? { count: 0, p50Us: 0, p99Us: 0, maxUs: 0, meanUs: 0 }
    : { count: lateness.count, p50Us: lateness.percentile(50) / 1000, p99Us: lateness.percentile(99) / 1000, maxUs: lateness.max / 1000, meanUs: lateness.mean / 1000 };
  if (reset) lateness.reset();
  return out;
}

function pump(): void {
  armedTimeout = undefined;
  armedImmediate = undefined;
  armedFor = Infinity;
  pumping = true;
  try {
    let t = performance.now();
    const first = heap[0];
    if (first !== undefined && first.fn !== undefined && first.due > t && first.due - t < LEAD_MS + 1) {
      // In the setImmediate phase (arm() sleeps whole milliseconds, so that is the last 1-2 ms):
      // sleep up to one slice, but wake ~80 µs early (the kernel's default timer slack is
      // 50 µs) and busy-wait the last stretch.
      const left = first.due - t;
      if (left > SPIN_FINAL_MS) {
        Atomics.wait(sleeper, 0, 0, Math.min(left - SPIN_FINAL_MS, SPIN_SLICE_MS));
        t = performance.now();
      } else {
        while (t < first.due) t = performance.now();
      }
    }
    // Timers added while this pump runs (a toxic scheduling its next step) wait for the next
    // turn even when already due: a pump always ends, and sockets get a poll phase between.
    const limit = seq;
    for (;;) {
      const top = heap[0];
      if (top === undefined) break;
      if (top.fn === undefined) {
        heapPop();
        cancelled--;
        continue;
      }
      // Only what was due when this turn began: anything later waits for the next turn, so
      // sockets (and a receiver in this thread) get a poll phase between deliveries.
      if (top.due > t || top.seq >= limit) break;
      // Everything due at exactly this instant runs in one batch: one write per socket.
      const due = top.due;
      lateness.record(Math.max(1, Math.round((performance.now() - due) * 1e6)));
      dispatch.begin();
      try {
        while (heap.length > 0 && heap[0]!.due === due && heap[0]!.seq < limit) {
          const e = heapPop()!;
          const fn = e.fn;
          if (fn === undefined) {
            cancelled--;
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
        dispatch.end();
      }
    }
  } finally {
    pumping = false;
    arm();
  }
}

function arm(): void {
  while (heap.length > 0 && heap[0]!.fn === undefined) {
    heapPop();
    cancelled--;
  }
  const top = heap[0];
  if (top === undefined) {
    disarm();
    return;
  }
  if (armedImmediate !== undefined) return; // already as soon as possible
  if (armedTimeout !== undefined && armedFor <= top.due) return;
  disarm();
  armedFor = top.due;
  const sleep = Math.floor(top.due - performance.now() - LEAD_MS);
  if (sleep >= 1) armedTimeout = setTimeout(pump, sleep);
  else armedImmediate = setImmediate(pump);
}

function disarm(): void {
  if (armedTimeout !== undefined) clearTimeout(armedTimeout);
  if (armedImmediate !== undefined) clearImmediate(armedImmediate);
  armedTimeout = undefined;
  armedImmediate = undefined;
  armedFor = Infinity;
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function heapPush(t: Timer): void {
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

function heapPop(): Timer | undefined {
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

function compact(): void {
  const live = heap.filter((t) => t.fn !== undefined);
  heap.length = 0;
  cancelled = 0;
  for (const t of live) heapPush(t);
}

// ---- write batching -------------------------------------------------------------------------

/** This thread's dispatch scope: a group of due timers, a socket read, a release. */
export const dispatch = new DispatchScope();

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
