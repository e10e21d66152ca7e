// reset_peer: pass data through, then `timeout` ms after the toxic took hold of the connection
// (0 = at once) abort both sides with a TCP RST (socket.resetAndDestroy()): the peers read
// ECONNRESET, as when a host crashes or a middlebox kills the flow.
import { z } from 'zod';
import type { Timer } from '../scheduler.ts';
import { PassThroughToxic, type ToxicContext, type ToxicOutput, defineToxic } from '../toxic.ts';

const schema = z.strictObject({
  timeout: z.number().min(0).max(86_400_000).default(0).describe('ms until the reset; 0 = at once'),
});

class ResetPeerToxic extends PassThroughToxic {
  private readonly timer: Timer;
  constructor(timeout: number, ctx: ToxicContext, out: ToxicOutput) {
    super(ctx, out);
    this.timer = ctx.at(ctx.now() + timeout, () => ctx.reset(`${ctx.toxic}: reset after ${timeout} ms`));
  }
  override flush(): void {
    this.ctx.cancel(this.timer);
  }
  override destroy(): void {
    this.ctx.cancel(this.timer);
  }
}

export const resetPeer = defineToxic({
  type: 'reset_peer',
  description: 'Abort the connection with a TCP RST `timeout` ms after it opens (0 = at once).',
  schema,
  create: (a, ctx, out) => new ResetPeerToxic(a.timeout, ctx, out),
});
