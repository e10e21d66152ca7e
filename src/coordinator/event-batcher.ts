// Worker side of the event stream: events are batched and posted on the raw MessagePort at the
// end of the turn that made them (after that turn's writes: a relayed quit leaves first), at
// most once per MIN_GAP_MS: a burst within the gap waits for it (one postMessage per batch, not
// per event), and 512 waiting go at once. A lone event (a quit reaching a server) costs its
// thread no second wake-up: before, every batch waited on a 2 ms timer. Used by every worker
// script (node-host, proxy-host).
import type { MessagePort } from 'node:worker_threads';
import { endOfTurn } from '../net/write-coalescer.ts';

/** Posts are at least this far apart (ms): bursts are batched, as the 2 ms timer did. */
export const MIN_GAP_MS = 2;
const MAX_BATCH = 512;

export interface EventBatcherOptions {
  /** the clock the gap is measured on (ms); performance.now by default */
  now?: () => number;
  /** MIN_GAP_MS by default */
  minGapMs?: number;
}

export class EventBatcher<E extends { type: string }> {
  private batch: E[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** a flush is due: at the end of this turn, or on the timer */
  private scheduled = false;
  private lastPost = -Infinity;
  private readonly wanted: Set<string> | undefined;
  private readonly now: () => number;
  private readonly minGapMs: number;

  /**
   * `types`: which event types to stream ('all', or a list; an empty list streams none).
   * `key`: the field of the posted batch (a worker with node and proxy events posts both kinds
   * on one port, as `events` and `proxyEvents`).
   */
  constructor(private readonly port: Pick<MessagePort, 'postMessage'>, types: string[] | 'all' | undefined, private readonly key: 'events' | 'proxyEvents' = 'events', options: EventBatcherOptions = {}) {
    this.wanted = types === 'all' || types === undefined ? undefined : new Set(types);
    this.now = options.now ?? (() => performance.now());
    this.minGapMs = options.minGapMs ?? MIN_GAP_MS;
  }

  /** False when no event type is wanted at all, so callers can skip building events. */
  get enabled(): boolean {
    return this.wanted === undefined || this.wanted.size > 0;
  }

  wants(type: string): boolean {
    return this.wanted === undefined || this.wanted.has(type);
  }

  push(e: E): void {
    if (!this.wants(e.type)) return;
    this.batch.push(e);
    if (this.batch.length >= MAX_BATCH) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastPost + this.minGapMs - this.now();
    if (wait <= 0) endOfTurn.after(this.endOfTurn);
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** The turn's end came: flush, unless a flush by size came first and the batch since waits on the timer. */
  private readonly endOfTurn = (): void => {
    if (this.scheduled && this.timer === undefined) this.flush();
  };

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.lastPost = this.now();
    this.port.postMessage({ [this.key]: events });
  }
}
