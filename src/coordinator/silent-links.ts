// When the servers can know that a link went silent: nothing closes, so only liveness finds
// it, within its detection bound (ping timeout + one interval) of the silence starting. Until
// then the knowledge model keeps the old view; with liveness off, it keeps it for good.
import { type Clock, type ClockTimer, realClock } from '../util/clock.ts';

export class SilentLinks {
  private readonly waiting = new Map<string, ClockTimer>();
  private readonly found = new Set<string>();

  /** `boundMs` undefined: no liveness, a silent link is never found. `onFound` runs as one is. */
  constructor(private readonly boundMs: number | undefined, private readonly onFound: () => void, private readonly clock: Clock = realClock) {}

  /** Link `key` is silent: it counts as found once the bound has passed, unless it comes back first. */
  silent(key: string): void {
    if (this.boundMs === undefined || this.waiting.has(key) || this.found.has(key)) return;
    const timer = this.clock.at(this.clock.now() + this.boundMs, () => {
      this.waiting.delete(key);
      this.found.add(key);
      this.onFound();
    });
    this.waiting.set(key, timer);
  }

  /** Link `key` is not silent any more (up again, or cut). */
  clear(key: string): void {
    this.clock.cancel(this.waiting.get(key));
    this.waiting.delete(key);
    this.found.delete(key);
  }

  /** Has liveness had time to find link `key` silent? */
  isFound(key: string): boolean {
    return this.found.has(key);
  }

  stop(): void {
    for (const t of this.waiting.values()) this.clock.cancel(t);
    this.waiting.clear();
  }
}
