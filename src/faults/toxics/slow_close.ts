// slow_close: data passes through; the source's half-close (FIN) is delayed by `delay` ms.
import { z } from 'zod';
import type { Timer } from '../scheduler.ts';
import { PassThroughToxic, type ToxicContext, type ToxicOutput, defineToxic } from '../toxic.ts';

const schema = z.strictObject({
  delay: z.number().min(0).max(86_400_000).describe('ms to hold the FIN'),
});

class SlowCloseToxic extends PassThroughToxic {
  private timer: Timer | undefined;
  constructor(private readonly delay: number, ctx: ToxicContext, out: ToxicOutput) {
    super(ctx, out);
  }
  override onEnd(): void {
    this.timer = this.ctx.at(this.ctx.now() + this.delay, () => {
      this.timer = undefined;
      this.out.end();
    });
  }
  override flush(): void {
    if (this.timer === undefined) return;
    this.ctx.cancel(this.timer);
    this.timer = undefined;
    this.out.end();
  }
  override destroy(): void {
    this.ctx.cancel(this.timer);
  }
}

export const slowClose = defineToxic({
  type: 'slow_close',
  description: 'Delay the half-close (FIN) by `delay` ms.',
  schema,
  create: (a, ctx, out) => new SlowCloseToxic(a.delay, ctx, out),
});
