// After the traffic ends, chats still arriving are late, not lost: the wait goes on while
// they come (a starved link draining, a late host) and stops once none has come for a while,
// or at its limit. Seen beside four busy loops: bandwidth-overflow counted 243 chats "lost
// outside any fault" that were still draining behind the starved link when a fixed 2 s ended.
import { describe, expect, it } from 'vitest';
import { QUIET_MS, SETTLE_LIMIT_MS, settleTraffic } from '../../src/experiment/settle.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';

/** One flow whose `left` chats arrive one every `everyMs` from now (virtual time). */
function draining(clock: VirtualClock, left: number, everyMs: number) {
  const flow = { sent: 100 + left, delivered: 100 };
  for (let i = 1; i <= left; i++) clock.at(clock.now() + i * everyMs, () => { flow.delivered++; });
  return flow;
}

describe('settleTraffic', () => {
  it('waits while chats keep arriving, past the old fixed 2 s', async () => {
    const clock = new VirtualClock(1000);
    const flow = draining(clock, 60, 100); // the last one 6 s after the traffic ended
    const r = await clock.runWhile(settleTraffic([flow], clock));
    expect(flow.delivered).toBe(flow.sent);
    expect(r.limited).toBe(false);
    expect(r.waitedMs).toBeGreaterThanOrEqual(6000);
    expect(r.lastArrivalMs).toBeGreaterThanOrEqual(6000);
  });

  it('stops QUIET_MS after the last arrival when the rest never comes (lost)', async () => {
    const clock = new VirtualClock(1000);
    const flow = draining(clock, 5, 100);
    flow.sent += 10; // ten that a netsplit dropped
    const r = await clock.runWhile(settleTraffic([flow], clock));
    expect(flow.sent - flow.delivered).toBe(10);
    expect(r.waitedMs).toBeGreaterThanOrEqual(500 + QUIET_MS);
    expect(r.waitedMs).toBeLessThan(500 + QUIET_MS + 100);
  });

  it('ends at its limit on a drain slower than the limit', async () => {
    const clock = new VirtualClock(1000);
    const flow = draining(clock, 100, 1000);
    const r = await clock.runWhile(settleTraffic([flow], clock));
    expect(r.limited).toBe(true);
    expect(r.waitedMs).toBeGreaterThanOrEqual(SETTLE_LIMIT_MS);
    expect(r.waitedMs).toBeLessThan(SETTLE_LIMIT_MS + 100);
  });

  it('returns at once when everything arrived', async () => {
    const clock = new VirtualClock(1000);
    expect(await settleTraffic([{ sent: 3, delivered: 3 }], clock)).toEqual({ waitedMs: 0, lastArrivalMs: 0, limited: false });
  });
});
