// limit_data: let exactly `bytes` bytes through (slicing the chunk that crosses the limit),
// then close the connection gracefully (both peers see a FIN after the delivered bytes).
// With 0, the first chunk closes it and nothing is delivered.
import { z } from 'zod';
import { PassThroughToxic, type ToxicContext, type ToxicOutput, defineToxic } from '../toxic.ts';

const schema = z.strictObject({
  bytes: z.number().int().min(0).describe('bytes to deliver before closing'),
});

class LimitDataToxic extends PassThroughToxic {
  private passed = 0;
  private done = false;
  constructor(private readonly limit: number, ctx: ToxicContext, out: ToxicOutput) {
    super(ctx, out);
  }
  override onData(chunk: Buffer): void {
    if (this.done) return;
    const left = this.limit - this.passed;
    const n = Math.min(left, chunk.length);
    if (n > 0) {
      this.passed += n;
      this.out.next(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    if (this.passed >= this.limit) {
      this.done = true;
      this.ctx.close(`${this.ctx.toxic}: data limit of ${this.limit} bytes reached`);
    }
  }
}

export const limitData = defineToxic({
  type: 'limit_data',
  description: 'Deliver exactly `bytes` bytes, then close the connection.',
  schema,
  create: (a, ctx, out) => new LimitDataToxic(a.bytes, ctx, out),
});
