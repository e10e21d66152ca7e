// bandwidth: limit a direction to `rate` KB/s (1 KB = 1000 bytes, as toxiproxy) with a token
// bucket. Chunks queue in order; large ones are sliced so delivery is paced in slices of about
// 10 ms worth of bytes (at least 1 byte, at most 64 KiB). The bucket holds one slice, so a
// link that was idle sends one slice at once and is paced from there; slices follow a fixed
// schedule (slice bytes / rate apart), so a timer that fires late does not lower the rate.
import { z } from 'zod';
import type { Timer } from '../scheduler.ts';
import { Fifo } from '../fifo.ts';
import { type Toxic, type ToxicContext, type ToxicOutput, defineToxic } from '../toxic.ts';

const schema = z.strictObject({
  rate: z.number().positive().max(10_000_000).describe('KB/s (1 KB = 1000 bytes)'),
});
export type BandwidthAttributes = z.output<typeof schema>;

class BandwidthToxic implements Toxic {
  private readonly queue = new Fifo<Buffer>();
  private held = 0;
  /** Bytes of the head chunk already sent. */
  private offset = 0;
  private ended = false;
  /** now() at which the bucket has a whole slice again. */
  private nextAt = 0;
  private timer: Timer | undefined;
  private readonly bytesPerMs: number;
  private readonly slice: number;

  constructor(a: BandwidthAttributes, private readonly ctx: ToxicContext, private readonly out: ToxicOutput) {
    this.bytesPerMs = a.rate; // KB/s = bytes/ms
    this.slice = Math.max(1, Math.min(64 * 1024, Math.floor(a.rate * 10)));
  }

  onData(chunk: Buffer): void {
    if (this.queue.length === 0) {
      // Idle until now: no credit saved up beyond one slice.
      const now = this.ctx.now();
      if (this.nextAt < now) this.nextAt = now;
    }
    this.queue.push(chunk);
    this.held += chunk.length;
    if (this.timer === undefined) this.pump();
  }

  onEnd(): void {
    this.ended = true;
    if (this.timer === undefined) this.pump();
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    const now = this.ctx.now();
    // Send every slice whose time has come, each its own write. A late timer (a busy thread)
    // sends the slices it owes at once, so the long-run rate stays right.
    while (this.nextAt <= now && this.queue.length > 0) {
      const head = this.queue.peek()!;
      const n = Math.min(this.slice, head.length - this.offset);
      const piece = n === head.length ? head : head.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === head.length) {
        this.queue.shift();
        this.offset = 0;
      }
      this.held -= n;
      this.nextAt += n / this.bytesPerMs;
      this.out.next(piece);
      this.ctx.flush();
    }
    if (this.queue.length > 0) this.timer = this.ctx.at(this.nextAt, this.pump);
    else if (this.ended) {
      this.ended = false;
      this.out.end();
    }
  };

  flush(): void {
    this.ctx.cancel(this.timer);
    this.timer = undefined;
    for (let b = this.queue.shift(); b !== undefined; b = this.queue.shift()) {
      this.out.next(this.offset > 0 ? b.subarray(this.offset) : b);
      this.offset = 0;
    }
    this.held = 0;
    if (this.ended) {
      this.ended = false;
      this.out.end();
    }
  }

  destroy(): void {
    this.ctx.cancel(this.timer);
    this.queue.clear();
    this.held = 0;
    this.offset = 0;
  }

  buffered(): number {
    return this.held;
  }
}

export const bandwidth = defineToxic({
  type: 'bandwidth',
  description: 'Limit the rate to `rate` KB/s (token bucket, paced slices of ~10 ms).',
  schema,
  create: (a, ctx, out) => new BandwidthToxic(a, ctx, out),
});
