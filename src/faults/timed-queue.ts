// The common part of toxics that hold chunks until a due time (latency, slicer): a FIFO of
// { at, chunk } in delivery order, the byte count held, and how to hand everything on when
// the toxic is removed or drop it when the connection goes.
import { Fifo } from './fifo.ts';
import type { Timer } from './scheduler.ts';
import type { Toxic, ToxicContext, ToxicOutput } from './toxic.ts';

export interface Timed {
  at: number;
  chunk: Buffer | null; // null = the half-close
}

export abstract class TimedQueueToxic implements Toxic {
  protected readonly queue = new Fifo<Timed>();
  protected held = 0;
  /** Due time of the last queued item: nothing may leave before it (order is kept). */
  protected last = 0;
  protected timer: Timer | undefined;

  constructor(protected readonly ctx: ToxicContext, protected readonly out: ToxicOutput) {}

  abstract onData(chunk: Buffer): void;
  abstract onEnd(): void;

  /** Hand one item on: a chunk, or the half-close. */
  protected pass(item: Timed): void {
    if (item.chunk === null) {
      this.out.end();
    } else {
      this.held -= item.chunk.length;
      this.out.next(item.chunk);
    }
  }

  flush(): void {
    this.ctx.cancel(this.timer);
    this.timer = undefined;
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) this.pass(item);
  }

  destroy(): void {
    this.ctx.cancel(this.timer);
    this.queue.clear();
    this.held = 0;
  }

  buffered(): number {
    return this.held;
  }
}
