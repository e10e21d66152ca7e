import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/util/virtual-clock.ts';

describe('VirtualClock', () => {
  it('runs timers in (due, order set) order and moves now() to each due time', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.at(10, () => seen.push(`a@${c.now()}`));
    c.at(5, () => seen.push(`b@${c.now()}`));
    c.at(10, () => seen.push(`c@${c.now()}`));
    const dead = c.at(7, () => seen.push('cancelled'));
    c.cancel(dead);
    while (c.step());
    expect(seen).toEqual(['b@5', 'a@10', 'c@10']);
    expect(c.now()).toBe(10);
  });

  it('never runs a timer in the past: one set for earlier runs now', () => {
    const c = new VirtualClock(100);
    let at = -1;
    c.at(50, () => { at = c.now(); });
    c.step();
    expect(at).toBe(100);
  });

  it('drives async code: sleeps resolve in virtual time, in order, and runUntil ends at its bound', async () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const worker = async (delays: number[]) => {
      for (const d of delays) {
        await c.sleepUntil(c.now() + d);
        log.push(c.now());
      }
    };
    void worker([3, 3, 3]);
    void worker([4, 4]);
    await c.runUntil(20);
    expect(log).toEqual([3, 4, 6, 8, 9]);
    expect(c.now()).toBe(20);
  });

  it('runWhile advances until the promise settles, and says so when time stalls', async () => {
    const c = new VirtualClock();
    const r = await c.runWhile((async () => { await c.sleepUntil(1000); return c.now(); })());
    expect(r).toBe(1000);
    await expect(c.runWhile(new Promise(() => {}))).rejects.toThrow(/stalled at 1000 ms/);
  });
});
