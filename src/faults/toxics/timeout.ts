// timeout: stop delivering (everything is dropped, the half-close too) and close the
// connection `timeout` ms after the toxic took hold of it (when the connection opened, or when
// the toxic was added to a live one); with 0, never close: the link just goes silent.
import { z } from 'zod';
import type { Timer } from '../scheduler.ts';
import { type Toxic, type ToxicContext, defineToxic } from '../toxic.ts';

const schema = z.strictObject({
  timeout: z.number().min(0).max(86_400_000).describe('ms until the connection is closed; 0 = never'),
});

class TimeoutToxic implements Toxic {
  private readonly timer: Timer | undefined;
  constructor(timeout: number, private readonly ctx: ToxicContext) {
    if (timeout > 0) this.timer = ctx.at(ctx.now() + timeout, () => ctx.close(`${ctx.toxic}: timed out after ${timeout} ms`));
  }
  onData(): void {}
  onEnd(): void {}
  flush(): void {
    this.ctx.cancel(this.timer);
  }
  destroy(): void {
    this.ctx.cancel(this.timer);
  }
  buffered(): number {
    return 0;
  }
}

export const timeout = defineToxic({
  type: 'timeout',
  description: 'Drop all data; close the connection after `timeout` ms (0 = never).',
  schema,
  create: (a, ctx) => new TimeoutToxic(a.timeout, ctx),
});
