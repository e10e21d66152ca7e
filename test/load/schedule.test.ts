// The open-loop arrival schedule is exact: for a rate and a seed, every intended send time is
// known before the run, evenly spaced, without drift, and the same on every run.
import { describe, expect, it } from 'vitest';
import { FlowSchedule, flowPhases, flowShares, intendedTimes, rampSteps } from '../../src/load/schedule.ts';

describe('arrival schedule', () => {
  it('places chat k at (phase + k) / rate, exactly rate x duration of them', () => {
    const [phase] = flowPhases(1, 42);
    // 3,000/s: an interval of 1/3 ms, which adding up would drift
    const times = intendedTimes([{ rate: 3000, durationMs: 10_000 }], 1, phase!);
    expect(times).toHaveLength(30_000);
    for (let k = 0; k < times.length; k++) expect(times[k]).toBe(((phase! + k) * 1000) / 3000);
    // no drift: the last one is as exact as the first
    expect(times.at(-1)).toBeCloseTo((phase! + 29_999) / 3, 9);
  });

  it('is the same for the same seed and differs for another', () => {
    expect(flowPhases(5, 3)).toEqual(flowPhases(5, 3));
    expect(flowPhases(5, 3)).not.toEqual(flowPhases(5, 4));
    const a = intendedTimes([{ rate: 333, durationMs: 2000 }], 0.5, flowPhases(1, 9)[0]!);
    const b = intendedTimes([{ rate: 333, durationMs: 2000 }], 0.5, flowPhases(1, 9)[0]!);
    expect(a).toEqual(b);
  });

  it('splits the total rate by weight', () => {
    const shares = flowShares([1, 1, 2]);
    expect(shares).toEqual([0.25, 0.25, 0.5]);
    const counts = shares.map((s, i) => intendedTimes([{ rate: 4000, durationMs: 1000 }], s, flowPhases(3, 1)[i]!).length);
    expect(counts).toEqual([1000, 1000, 2000]);
  });

  it('ramps step by step, each step timed from its own start', () => {
    const steps = rampSteps(100, 300, 100, 1000);
    expect(steps.map((s) => s.rate)).toEqual([100, 200, 300]);
    const times = intendedTimes(steps, 1, 0);
    expect(times).toHaveLength(600);
    expect(times[100]).toBe(1000); // the second step starts at 1 s
    expect(times[101]).toBe(1005);
    expect(times[300]).toBe(2000);
    const s = new FlowSchedule(steps, 1, 0);
    expect([s.stepAt(0), s.stepAt(999.9), s.stepAt(1000), s.stepAt(2500)]).toEqual([0, 0, 1, 2]);
  });

  it('cutAt ends the schedule: nothing intended after the cut', () => {
    const s = new FlowSchedule([{ rate: 1000, durationMs: 5000 }], 1, 0);
    s.cutAt(1500);
    let n = 0;
    for (let t = s.peek(); t !== undefined; t = s.peek()) {
      expect(t).toBeLessThan(1500);
      s.advance();
      n++;
    }
    expect(n).toBe(1500);
  });
});
