// latency: delay every chunk by `ms`, plus jitter.
//
// Distribution of the delay of one chunk (one sample per chunk as read from the socket, and one
// for the half-close, from the toxic's seeded stream):
//   uniform: ms + jitter * U(-1, 1), i.e. uniform on [ms - jitter, ms + jitter] (toxiproxy's);
//   normal:  ms + jitter * N(0, 1), i.e. normal with mean ms and standard deviation jitter.
// Either is clamped at 0. Bytes are never reordered within a direction: a chunk is delivered
// at max(its due time, the previous chunk's delivery time), so a short sample after a long one
// waits (the real distribution's tail is therefore a little heavier than sampled, as on a
// real FIFO link). Chunks due at the same time leave in one write.
import { z } from 'zod';
import { normal } from '../../util/random.ts';
import { TimedQueueToxic } from '../timed-queue.ts';
import { type ToxicContext, type ToxicOutput, defineToxic } from '../toxic.ts';

const schema = z.strictObject({
  ms: z.number().min(0).max(3_600_000).describe('mean delay, ms'),
  jitter: z.number().min(0).max(3_600_000).default(0).describe('spread, ms: half-width (uniform) or standard deviation (normal)'),
  distribution: z.enum(['uniform', 'normal']).default('uniform').describe('shape of the jitter'),
});
export type LatencyAttributes = z.output<typeof schema>;

/** One delay sample (ms) from `rand`: exported so the distribution can be checked on its own. */
export function sampleDelay(a: LatencyAttributes, rand: () => number): number {
  if (a.jitter === 0) return a.ms;
  const d = a.distribution === 'normal' ? a.ms + a.jitter * normal(rand) : a.ms + a.jitter * (2 * rand() - 1);
  return d > 0 ? d : 0;
}

class LatencyToxic extends TimedQueueToxic {
  constructor(private readonly a: LatencyAttributes, ctx: ToxicContext, out: ToxicOutput) {
    super(ctx, out);
  }

  onData(chunk: Buffer): void {
    this.enqueue(chunk);
    this.held += chunk.length;
  }

  onEnd(): void {
    this.enqueue(null);
  }

  private enqueue(chunk: Buffer | null): void {
    const due = this.ctx.now() + sampleDelay(this.a, this.ctx.rand);
    const at = due > this.last ? due : this.last;
    this.last = at;
    this.queue.push({ at, chunk });
    if (this.queue.length === 1) this.timer = this.ctx.at(at, this.deliver);
  }

  private readonly deliver = (): void => {
    this.timer = undefined;
    const now = this.ctx.now();
    for (let h = this.queue.peek(); h !== undefined && h.at <= now; h = this.queue.peek()) {
      this.queue.shift();
      this.pass(h);
    }
    const next = this.queue.peek();
    if (next) this.timer = this.ctx.at(next.at, this.deliver);
  };
}

export const latency = defineToxic({
  type: 'latency',
  description: 'Delay each chunk by ms ± jitter (uniform or normal); never reorders bytes.',
  schema,
  create: (a, ctx, out) => new LatencyToxic(a, ctx, out),
});
