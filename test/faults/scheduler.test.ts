// The precise scheduler behind every timed toxic: never early, FIFO for equal due times,
// cancellable, and close to due (the bench measures the ±1 ms goal; here only a loose bound).
import { describe, expect, it } from 'vitest';
import { at, batch, cancel, defaultScheduler, inBatch, markDirty, now, pendingTimers, schedulerFor } from '../../src/faults/scheduler.ts';
import { realClock } from '../../src/util/clock.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';
import { percentile } from './helpers.ts';

describe('scheduler', () => {
  it('fires never early and close to due', async () => {
    const late: number[] = [];
    await new Promise<void>((done) => {
      let n = 0;
      const go = () => {
        const due = now() + 1 + (n % 7);
        at(due, () => {
          late.push(now() - due);
          if (++n < 60) go();
          else done();
        });
      };
      go();
    });
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    // Loose: other test files share these two cores. bench/proxy.ts measures the real figure.
    expect(percentile(late, 50)).toBeLessThan(1);
  });

  it('runs timers with equal due times in insertion order, in one batch; cancelled ones never', async () => {
    const order: string[] = [];
    const due = now() + 5;
    let flushes = 0;
    const sink = { flush: () => flushes++ };
    at(due, () => {
      order.push('a');
      expect(inBatch()).toBe(true);
      markDirty(sink);
    });
    const b = at(due, () => order.push('b'));
    at(due, () => {
      order.push('c');
      markDirty(sink);
    });
    at(due - 1, () => order.push('first'));
    cancel(b);
    await new Promise<void>((r) => at(due + 2, r));
    expect(order).toEqual(['first', 'a', 'c']);
    expect(flushes).toBe(1); // marked twice, flushed once at the end of the batch
    expect(pendingTimers()).toBe(0);
    expect(batch(() => inBatch())).toBe(true);
    expect(inBatch()).toBe(false);
  });
});

describe('Scheduler on a VirtualClock', () => {
  it('runs each timer at exactly its due time, FIFO for equal ones, each in a dispatch; cancelled ones never', async () => {
    const clock = new VirtualClock();
    const s = schedulerFor(clock);
    expect(schedulerFor(clock)).toBe(s); // one per clock
    expect(s.clock).toBe(clock);
    const ran: string[] = [];
    const mark = (name: string) => () => ran.push(`${name}@${s.now()}${s.dispatch.active ? '' : ' (outside a dispatch)'}`);
    s.at(2.5, mark('b'));
    s.at(1, mark('a'));
    s.at(2.5, mark('c'));
    const gone = s.at(2, mark('cancelled'));
    s.at(0.125, () => s.at(s.now() + 10, mark('set by a timer')));
    s.cancel(gone);
    s.cancel(gone); // twice is harmless
    expect(s.pendingTimers()).toBe(4);
    await clock.runUntil(100);
    expect(ran).toEqual(['a@1', 'b@2.5', 'c@2.5', 'set by a timer@10.125']);
    expect(s.pendingTimers()).toBe(0);
    expect(s.lateness().count).toBe(0);
  });

  it('the real clock gets the thread\'s precise scheduler, the one the module functions use', () => {
    expect(schedulerFor(realClock)).toBe(defaultScheduler);
    expect(schedulerFor()).toBe(defaultScheduler);
    expect(Math.abs(defaultScheduler.now() - realClock.now())).toBeLessThan(50);
  });
});
