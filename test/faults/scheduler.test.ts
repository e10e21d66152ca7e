// The precise scheduler behind every timed toxic: never early, FIFO for equal due times,
// cancellable, and close to due (the bench measures the ±1 ms goal; here a bound the host's
// measured CPU wait can excuse).
import { describe, expect, it } from 'vitest';
import { at, batch, cancel, defaultScheduler, inBatch, markDirty, now, pendingTimers, schedulerFor } from '../../src/faults/scheduler.ts';
import { realClock } from '../../src/util/clock.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';
import { cpuWaitMs, percentile } from './helpers.ts';

describe('scheduler', () => {
  it('fires never early, and close to due unless the host kept this thread from running', async () => {
    const late: number[] = [];
    const waitedBefore = cpuWaitMs();
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
    const waitedMs = waitedBefore === undefined ? 0 : cpuWaitMs()! - waitedBefore;
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    // The goal (±1 ms: bench/proxy.ts measures it) as a bound: a median 1 ms late needs half the
    // timers 1 ms late each, and the timers' windows do not overlap (each is set when the last
    // fires). Only a thread kept from a CPU that long in total can be excused; then the
    // scheduler's own share cannot be told here, and the test says so rather than guess.
    const p50 = percentile(late, 50);
    const excusable = (late.length / 2) * 1;
    if (p50 >= 1 && waitedMs >= excusable) {
      console.warn(`scheduler: median ${p50.toFixed(2)} ms late not judged: this thread waited ${waitedMs.toFixed(1)} ms for a CPU during the series (>= ${excusable} ms could explain it)`);
    } else {
      expect(p50, `median lateness; this thread waited ${waitedMs.toFixed(1)} ms for a CPU`).toBeLessThan(1);
    }
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

  it('counts the turns of the final stretch before due times (the A/B bench reads them), and resets them', async () => {
    defaultScheduler.lateness(true);
    // Ten timers 1 ms out, each set when the last fires: each gets its last ms in setImmediate
    // turns unless this thread was kept from running that whole ms (all ten: not plausible).
    for (let i = 0; i < 10; i++) await new Promise<void>((r) => at(now() + 1, r));
    const counted = defaultScheduler.lateness(true);
    expect(counted.count).toBe(10);
    expect(counted.stretchTurns).toBeGreaterThanOrEqual(1);
    expect(defaultScheduler.lateness().stretchTurns).toBe(0);
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
