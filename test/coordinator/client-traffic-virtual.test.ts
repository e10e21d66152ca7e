// Traffic paced on virtual time must move on: at a rate whose interval is no whole number of ms
// (1000/70), a float rounding once left the next chat due "now", so the tick re-armed itself at
// the same virtual instant for ever (found by npm run explore: middle-earth seed 1 never ended).
import { describe, expect, it } from 'vitest';
import { runTraffic } from '../../src/coordinator/client-traffic.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';

describe('runTraffic on virtual time', () => {
  for (const rate of [70, 30, 90, 60, 7]) {
    for (const start of [0, 1234.567, 98_765.4321]) {
      it(`sends ${rate}/s for 2 s from ${start} ms, and ends`, async () => {
        const clock = new VirtualClock(start);
        let looks = 0;
        let chats = 0;
        const client = {
          state: () => {
            // A stuck tick looks again and again at the same instant: fail instead of hanging.
            if (++looks > 10 * rate) throw new Error(`looked ${looks} times at ${clock.now()} ms: the tick is stuck`);
            return { connected: true };
          },
          chat: () => { chats++; },
        };
        const r = await clock.runWhile(runTraffic(() => client, { to: 2, rate, size: 64, durationMs: 2000, tag: 't' }, clock));
        expect(r.sent).toBe(2 * rate);
        expect(chats).toBe(2 * rate);
        expect(clock.now()).toBeGreaterThanOrEqual(start + 2000 - 1000 / rate);
      });
    }
  }
});
