// A missed check is waited for again while the host's measured lateness could still excuse its
// answer, and that allowance is asked anew after each wait: a thread stalled during the first
// wait reports its stall only once it runs again (seen under four busy loops: partition-heal's
// "forgotten within 200 ms" judged "never" while the stalled side forgot seconds later).
import { describe, expect, it } from 'vitest';
import { type RawCheck, waitOutLateness } from '../../src/experiment/check-run.ts';

const check = (tookMs: number | null): RawCheck => ({ index: 0, check: 'expect forgotten 101 within 200 ms', startMs: 0, withinMs: 200, tookMs, passed: tookMs !== null && tookMs <= 200 });

/** A fake clock and network: the answer comes at `answerAt`; each wait runs to its deadline. */
function world(answerAt: number, allowances: number[], brokeAt?: number) {
  let now = 1200; // the first wait (bound 200 + 1 s grace) has just timed out
  const asked: number[] = [];
  const waits: number[] = [];
  return {
    asked, waits,
    now: () => now,
    allowedUntil: async () => {
      const until = allowances[Math.min(asked.length, allowances.length - 1)]!;
      asked.push(until);
      return until;
    },
    waitUntil: async (until: number) => {
      waits.push(until);
      if (brokeAt !== undefined && brokeAt < until) {
        now = brokeAt;
        return check(null);
      }
      if (answerAt <= until) {
        now = Math.max(now, answerAt);
        return check(answerAt);
      }
      now = until;
      return check(null);
    },
  };
}

describe('waitOutLateness', () => {
  it('waits again as the allowance grows, until the late answer comes', async () => {
    // The stall first shows as 1.5 s of allowance, then (once the thread runs) as 6 s.
    const w = world(5400, [1500, 6000]);
    const r = await waitOutLateness(check(null), w.allowedUntil, w.waitUntil, w.now);
    expect(r.tookMs).toBe(5400);
    expect(w.waits).toEqual([1500, 6000]);
  });

  it('stops when the allowance has passed with no answer: the check never happened', async () => {
    const w = world(Infinity, [1500, 1500]);
    const r = await waitOutLateness(check(null), w.allowedUntil, w.waitUntil, w.now);
    expect(r.tookMs).toBeNull();
    expect(w.waits).toEqual([1500]);
  });

  it('does not wait again when the allowance is already over, nor after a wait that broke', async () => {
    const over = world(5400, [1000]);
    expect((await waitOutLateness(check(null), over.allowedUntil, over.waitUntil, over.now)).tookMs).toBeNull();
    expect(over.waits).toEqual([]);
    const broke = world(Infinity, [6000], 1300);
    expect((await waitOutLateness(check(null), broke.allowedUntil, broke.waitUntil, broke.now)).tookMs).toBeNull();
    expect(broke.waits).toEqual([6000]);
  });

  it('leaves an answered check alone', async () => {
    const w = world(0, [6000]);
    expect(await waitOutLateness(check(150), w.allowedUntil, w.waitUntil, w.now)).toEqual(check(150));
    expect(w.asked).toEqual([]);
  });
});
