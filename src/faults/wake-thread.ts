// A helper thread that wakes this thread's event loop at a given time with sub-millisecond
// precision, so the precise scheduler (scheduler.ts) need not busy-wait for it.
//
// Node's own timers are whole milliseconds on a loop clock cached per turn: a setTimeout
// fires anywhere in a 1-2 ms window. Until now the scheduler slept with setTimeout until 1-2
// ms before a due time and spent the rest in setImmediate turns with 50 µs sleeps: ~0.6 ms of
// CPU per delivery of a latency toxic, a scavenge every few thousand deliveries (each turn
// allocates), and, on a loaded machine, a thread the kernel sees as a CPU hog and so wakes
// last (bench/proxy phase g: its timer-lateness p99 was 0.3-3 ms). This thread sleeps in one
// futex wait (Atomics.wait: µs resolution, never early) until shortly before the due time and
// posts a message; the event loop sleeps in epoll all the while, serving sockets as usual.
//
// One helper per scheduler (per thread), started on first use; one wake-up time at a time
// (the earliest due timer's). It keeps the process alive only while a wake-up is set, as a
// pending setTimeout would.
import { Worker } from 'node:worker_threads';

/**
 * The helper's whole program (a CommonJS script: no file to find under dist/ or vitest).
 * ctl[0] is a generation bumped on every change of the target; target[0] is when to wake, in
 * process.hrtime milliseconds (one clock for every thread); Infinity: not at all.
 */
const HELPER = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const ctl = new Int32Array(workerData, 0, 1);
const target = new Float64Array(workerData, 8, 1);
const base = Number(process.hrtime.bigint()) / 1e6 - performance.now();
for (;;) {
  const gen = Atomics.load(ctl, 0);
  const at = target[0];
  if (Atomics.load(ctl, 0) !== gen) continue;
  const left = at - (base + performance.now());
  if (left > 0) {
    Atomics.wait(ctl, 0, gen, left);
    continue;
  }
  parentPort.postMessage(gen);
  Atomics.wait(ctl, 0, gen);
}
`;

/** Bounds of the lead (ms); it starts at the longest, the precise scheduler's old 1-2 ms. */
const MIN_LEAD_MS = 0.1;
const MAX_LEAD_MS = 2;
/** Added to a measured hand-off delay (ms): the scheduler's final waits are 50 µs slices. */
const LEAD_PAD_MS = 0.05;
/** A shorter lead is approached by this fraction of the gap per wake-up (a longer one at once). */
const LEAD_DECAY = 1 / 16;

export class WakeThread {
  private worker: Worker | undefined;
  private readonly shared = new SharedArrayBuffer(16);
  private readonly ctl = new Int32Array(this.shared, 0, 1);
  private readonly target = new Float64Array(this.shared, 8, 1);
  /** performance.now() + this = process.hrtime ms (the helper's clock). */
  private readonly hrBase = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  private armed = false;
  /** The helper runs its loop (until then, wakeAt declines). */
  private online = false;
  /** When the current wake-up was asked for (performance.now() ms). */
  private wantedAt = 0;
  private lead = MAX_LEAD_MS;
  /** The helper could not be started here: callers fall back to their own timers. */
  private broken = false;

  /** `onWake` runs on this thread's event loop at (or shortly after) each wake-up time. */
  constructor(private readonly onWake: () => void) {
    this.target[0] = Infinity;
  }

  /**
   * How long before a due time to ask for a wake-up so that it reaches the loop before it (ms):
   * the hand-off delay (the helper's futex wake, its message, this thread's wake) as measured
   * on the last wake-ups, plus a pad: a slower hand-off raises it at once, faster ones lower it
   * gradually. So it follows the machine's load: on a busy machine it stays near 2 ms (the old
   * policy: the loop spins from there), on a quiet one it falls to ~0.1-0.2 ms.
   */
  get leadMs(): number {
    return this.lead;
  }

  /**
   * Wake at `atPerfMs` (a performance.now() value). False: no helper here, or it is still
   * starting (tens of ms, on first use): use a timer this time.
   */
  wakeAt(atPerfMs: number): boolean {
    if (this.broken) return false;
    const w = this.worker ?? this.start();
    if (w === undefined || !this.online) return false;
    this.wantedAt = atPerfMs;
    this.target[0] = atPerfMs + this.hrBase;
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
    if (!this.armed) {
      this.armed = true;
      w.ref();
    }
    return true;
  }

  /** No wake-up (a message already posted for the last one is ignored). */
  clear(): void {
    if (!this.armed) return;
    this.armed = false;
    this.target[0] = Infinity;
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
    this.worker?.unref();
  }

  /** End the helper thread (a later wakeAt starts a new one). */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.online = false;
    this.armed = false;
    if (w) await w.terminate();
  }

  private start(): Worker | undefined {
    try {
      const w = new Worker(HELPER, { eval: true, workerData: this.shared, stdout: false, stderr: false });
      w.on('message', (gen: number) => {
        // A wake-up for a target since replaced or cleared is stale.
        if (this.armed && gen === Atomics.load(this.ctl, 0)) {
          this.armed = false;
          w.unref();
          this.measure(performance.now() - this.wantedAt);
          this.onWake();
        }
      });
      w.once('online', () => {
        if (this.worker === w) this.online = true;
      });
      w.on('error', () => this.fail(w));
      w.on('exit', () => this.fail(w));
      w.unref();
      this.worker = w;
      return w;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  private measure(delayMs: number): void {
    const want = delayMs + LEAD_PAD_MS;
    const lead = want >= this.lead ? want : this.lead + (want - this.lead) * LEAD_DECAY;
    this.lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, lead));
  }

  /** The helper died (not by stop()): give up on it; the wake-up it owed is the caller's timer's. */
  private fail(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.online = false;
    this.broken = true;
    if (this.armed) {
      this.armed = false;
      // The pending wake-up must still happen: run it on the loop's own timers.
      setImmediate(this.onWake);
    }
  }
}
