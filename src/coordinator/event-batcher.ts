// Worker side of the event stream: events are batched and posted on the raw MessagePort
// POST_DELAY_MS after the first of a batch (one postMessage per batch, not per event; 512
// waiting go at once). Events are stamped where they happen, so the delay moves no measured
// time; it keeps the coordinator asleep while the burst that made them (a quit, a netsplit, a
// join) is still crossing the network: on two cores its wake-up and the Ledger's work took a
// core from the relays (docs/quit-convergence.md: a quit's median fell by 14%). With
// `delayMs: 0` a batch goes at the end of the turn that made it, after that turn's writes, at
// most once per `minGapMs`. Used by every worker script (node-host, proxy-host).
import type { MessagePort } from 'node:worker_threads';
import { endOfTurn } from '../net/write-coalescer.ts';
import { envWholeNumber } from '../util/env.ts';

/** A batch is posted this long after its first event (ms): longer than a quit takes to cross middle-earth. */
export const POST_DELAY_MS = 10;
/** The delay batches get by default: CRC_EVENT_POST_DELAY_MS, else POST_DELAY_MS (read when a batcher is made, one or two per thread). */
export const eventPostDelayMs = (): number => envWholeNumber('CRC_EVENT_POST_DELAY_MS', POST_DELAY_MS, 'a whole number of ms (0: at the end of the turn)');
/** With no delay, posts are at least this far apart (ms). */
export const MIN_GAP_MS = 2;
const MAX_BATCH = 512;

export interface EventBatcherOptions {
  /** the clock the gap is measured on (ms); performance.now by default */
  now?: () => number;
  /** CRC_EVENT_POST_DELAY_MS, else POST_DELAY_MS, by default; 0: at the end of the turn */
  delayMs?: number;
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
  private readonly delayMs: number;

  /**
   * `types`: which event types to stream ('all', or a list; an empty list streams none).
   * `key`: the field of the posted batch (a worker with node and proxy events posts both kinds
   * on one port, as `events` and `proxyEvents`).
   */
  constructor(private readonly port: Pick<MessagePort, 'postMessage'>, types: string[] | 'all' | undefined, private readonly key: 'events' | 'proxyEvents' = 'events', options: EventBatcherOptions = {}) {
    this.wanted = types === 'all' || types === undefined ? undefined : new Set(types);
    this.now = options.now ?? (() => performance.now());
    this.minGapMs = options.minGapMs ?? MIN_GAP_MS;
    this.delayMs = options.delayMs ?? eventPostDelayMs();
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
    const wait = Math.max(this.delayMs, this.lastPost + this.minGapMs - this.now());
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
