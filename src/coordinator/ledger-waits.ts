// The Ledger's pending waits (converged, forgotten, known): each is a probe re-run after a
// batch of changes, resolved with the probe's answer or rejected at its deadline on the
// Ledger's clock. Kept apart so the Ledger holds only the knowledge model.
import type { Clock } from '../util/clock.ts';

type Waiter = { check: () => boolean; fail: (err: Error) => void };

export class LedgerWaits {
  private readonly waiters = new Set<Waiter>();
  private checkScheduled = false;
  private failure: Error | undefined;

  constructor(private readonly clock: Clock) {}

  /** Fail every wait now and every later one at once (a worker crashed, or the run stopped). */
  fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters) w.fail(err);
    this.waiters.clear();
  }

  /** Resolves with `probe`'s first defined answer; rejects with `onTimeout()` after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.at(this.clock.now() + timeoutMs, () => {
        this.waiters.delete(waiter);
        reject(onTimeout());
      });
      const waiter: Waiter = {
        check: () => {
          const v = probe();
          if (v === undefined) return false;
          this.clock.cancel(timer);
          resolve(v);
          return true;
        },
        fail: (err) => {
          this.clock.cancel(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Evaluate waiters at most once per turn of the event loop, after a batch of changes. */
  scheduleCheck(): void {
    if (this.checkScheduled || this.waiters.size === 0) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      for (const w of this.waiters) if (w.check()) this.waiters.delete(w);
    });
  }
}
