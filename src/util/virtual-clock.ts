// Virtual time: a discrete-event queue. now() moves only when the next timer runs, to that
// timer's due time, so a run's order depends on nothing but the code and its seed: the same
// inputs give the same events, on any machine, as fast as the CPU runs them.
//
// Timers are ordered by (due, order set). Between two due times the driver (run/runUntil)
// lets every promise chain started by the last timer settle (one setImmediate turn drains the
// microtasks), so async code (await clock.sleepUntil(...)) runs in virtual time too. Nothing
// driven by it may wait on real I/O: that would run at an arbitrary virtual time.
import type { Clock, ClockTimer } from './clock.ts';

interface VirtualTimer extends ClockTimer {
  readonly seq: number;
  fn: (() => void) | undefined;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

export class VirtualClock implements Clock {
  readonly virtual = true;
  private t = 0;
  private seq = 0;
  private readonly heap: VirtualTimer[] = [];
  /** Timers run since the start: a run's size, and a guard against a timer loop. */
  fired = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  at(due: number, fn: () => void): ClockTimer {
    const timer: VirtualTimer = { due: Math.max(due, this.t), seq: this.seq++, fn };
    this.push(timer);
    return timer;
  }

  cancel(timer: ClockTimer | undefined): void {
    const t = timer as VirtualTimer | undefined;
    if (t) t.fn = undefined; // dropped when it reaches the top
  }

  sleepUntil(t: number): Promise<void> {
    if (t <= this.t) return Promise.resolve();
    return new Promise((resolve) => this.at(t, resolve));
  }

  /** Timers waiting, cancelled ones included until they reach the top. */
  get pending(): number {
    return this.heap.length;
  }

  /** The due time of the next live timer, or undefined. */
  next(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.due;
  }

  /** Run every timer due at the next due time (synchronously), moving now() there. False: nothing is waiting. */
  step(): boolean {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top) return false;
    this.t = top.due;
    while (this.heap.length && this.heap[0]!.due === this.t) {
      const timer = this.pop();
      const fn = timer.fn;
      timer.fn = undefined;
      if (fn) {
        this.fired++;
        fn();
      }
    }
    return true;
  }

  /**
   * Run timers up to and including `t`, letting async code settle after each due time; now()
   * ends at `t`. Also stops early once `until()` holds (checked after each due time).
   */
  async runUntil(t: number, until?: () => boolean): Promise<void> {
    await turn();
    for (;;) {
      if (until?.()) return;
      const next = this.next();
      if (next === undefined || next > t) break;
      this.step();
      await turn();
    }
    if (t > this.t && !until?.()) this.t = t;
  }

  /** Run until `done` settles, advancing through timers; rejects if nothing is left to run and it has not. */
  async runWhile<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    const p = done.finally(() => { settled = true; });
    p.catch(() => {});
    await turn();
    while (!settled) {
      if (!this.step()) {
        await turn(); // a last chance for async code to set a timer
        if (!settled && this.next() === undefined) throw new Error(`virtual time stalled at ${this.t} ms: nothing left to run and the run is not done`);
        continue;
      }
      await turn();
    }
    return p;
  }

  private dropCancelled(): void {
    while (this.heap.length && this.heap[0]!.fn === undefined) this.pop();
  }

  private push(x: VirtualTimer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): VirtualTimer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
