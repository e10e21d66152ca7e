// slicer: cut every chunk into small slices, each its own write, to exercise the receiver's
// stream decoder (a frame split across many reads). Slice sizes are uniform integers in
// [average_size - size_variation, average_size + size_variation] from the seeded stream;
// slices leave `delay` µs apart, or later (each in its own write and event-loop turn, so a
// busy thread spreads them out rather than bunching them); with delay 0 they leave back to
// back, still one write each. Order is kept.
import { z } from 'zod';
import { TimedQueueToxic } from '../timed-queue.ts';
import { type ToxicContext, type ToxicOutput, defineToxic } from '../toxic.ts';

const schema = z
  .strictObject({
    average_size: z.number().int().min(1).max(1 << 24).describe('mean slice size, bytes'),
    size_variation: z.number().int().min(0).default(0).describe('slices vary uniformly by ± this many bytes'),
    delay: z.number().min(0).max(10_000_000).default(0).describe('µs between slices'),
  })
  .refine((a) => a.size_variation < a.average_size, {
    message: 'size_variation must be smaller than average_size',
    path: ['size_variation'],
  });
export type SlicerAttributes = z.output<typeof schema>;

class SlicerToxic extends TimedQueueToxic {
  private readonly delayMs: number;

  constructor(private readonly a: SlicerAttributes, ctx: ToxicContext, out: ToxicOutput) {
    super(ctx, out);
    this.delayMs = a.delay / 1000;
  }

  private size(): number {
    const v = this.a.size_variation;
    return v === 0 ? this.a.average_size : this.a.average_size - v + Math.floor(this.ctx.rand() * (2 * v + 1));
  }

  onData(chunk: Buffer): void {
    if (this.delayMs === 0) {
      for (let off = 0; off < chunk.length; ) {
        const n = Math.min(this.size(), chunk.length - off);
        this.out.next(chunk.subarray(off, off + n));
        this.ctx.flush();
        off += n;
      }
      return;
    }
    let t = Math.max(this.ctx.now(), this.last);
    for (let off = 0; off < chunk.length; ) {
      const n = Math.min(this.size(), chunk.length - off);
      this.queue.push({ at: t, chunk: chunk.subarray(off, off + n) });
      this.held += n;
      off += n;
      t += this.delayMs;
    }
    this.last = t;
    if (this.timer === undefined) this.deliver();
  }

  onEnd(): void {
    if (this.queue.length === 0) this.out.end();
    else this.queue.push({ at: this.last, chunk: null });
  }

  /** One slice per call, so each leaves in its own write and its own event-loop turn. */
  private readonly deliver = (): void => {
    this.timer = undefined;
    const s = this.queue.shift();
    if (s === undefined) return;
    this.pass(s);
    this.ctx.flush();
    const next = this.queue.peek();
    if (next) this.timer = this.ctx.at(Math.max(next.at, this.ctx.now()), this.deliver);
  };
}

export const slicer = defineToxic({
  type: 'slicer',
  description: 'Cut chunks into slices of average_size ± size_variation bytes, delay µs apart, one write each.',
  schema,
  create: (a, ctx, out) => new SlicerToxic(a, ctx, out),
});
