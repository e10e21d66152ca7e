// Telling a late host from a slow network: the pure rule (host-lateness.ts) and the probe that
// measures the host (util/lateness-probe.ts), fed by hand so no test depends on this machine.
import { describe, expect, it } from 'vitest';
import { judgeTiming, overallOutcome, treeDiameter } from '../../src/experiment/host-lateness.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { LatenessProbe } from '../../src/util/lateness-probe.ts';
import { waitFor } from '../wait.ts';

describe('judgeTiming', () => {
  it('passes within the bound whatever the host did', () => {
    expect(judgeTiming(40, 50, 0, 7).outcome).toBe('PASS');
    expect(judgeTiming(50, 50, 30, 7).outcome).toBe('PASS');
  });

  it('excuses a miss no larger than the host lateness times the wake-ups on the longest path', () => {
    // The case: forgotten within 50 ms took 79.3 ms; the host's timers ran 5 ms late.
    const j = judgeTiming(79.3, 50, 5, 7);
    expect(j.outcome).toBe('INCONCLUSIVE');
    expect(j.allowanceMs).toBe(35);
    expect(j.why).toMatch(/host late by 5 ms/);
  });

  it('fails a miss the host lateness does not explain, and a change that never happened', () => {
    expect(judgeTiming(79.3, 50, 1, 7).outcome).toBe('FAIL');
    expect(judgeTiming(79.3, 50, 0, 7).outcome).toBe('FAIL');
    expect(judgeTiming(null, 50, 1000, 7)).toMatchObject({ outcome: 'FAIL', why: 'it never happened' });
  });

  it('any FAIL fails the run; an INCONCLUSIVE without FAIL is its own outcome', () => {
    expect(overallOutcome(['PASS', 'INCONCLUSIVE', 'FAIL'])).toBe('FAIL');
    expect(overallOutcome(['PASS', 'INCONCLUSIVE'])).toBe('INCONCLUSIVE');
    expect(overallOutcome(['PASS', 'PASS'])).toBe('PASS');
    expect(overallOutcome([])).toBe('PASS');
  });
});

describe('treeDiameter', () => {
  it('counts server hops on the longest path', () => {
    expect(treeDiameter(resolveTopology('chain:5'))).toBe(4);
    expect(treeDiameter(resolveTopology('star:6'))).toBe(2);
    expect(treeDiameter({ servers: [] })).toBe(0);
    expect(treeDiameter(resolveTopology('middle-earth'))).toBeGreaterThanOrEqual(4);
  });
});

describe('LatenessProbe', () => {
  it('keeps the worst lateness per window and answers for a span', () => {
    const p = new LatenessProbe(5, 100, 10);
    p.note(1000, 0.2);
    p.note(1050, 3);
    p.note(1150, 12);
    p.note(1420, 1);
    expect(p.maxIn(1000, 1099)).toBe(3);
    expect(p.maxIn(1100, 1200)).toBe(12);
    expect(p.maxIn(1300, 1399)).toBe(0);
    expect(p.maxIn(0, 5000)).toBe(12);
    expect(p.summary()).toMatchObject({ samples: 4, maxMs: 12 });
  });

  it('is bounded: only the newest windows are kept', () => {
    const p = new LatenessProbe(5, 100, 3);
    for (let i = 0; i < 10; i++) p.note(i * 100, i);
    // windows 700, 800 and 900 are kept; 0-600 were dropped
    expect(p.maxIn(0, 650)).toBe(0);
    expect(p.maxIn(600, 750)).toBe(7);
    expect(p.maxIn(0, 5000)).toBe(9);
  });

  it('measures its own timer when started', async () => {
    const p = new LatenessProbe(2, 10).start();
    await waitFor(() => p.summary().samples >= 5, 5000, 'five samples of its timer');
    p.stop();
    expect(p.summary().samples).toBeGreaterThanOrEqual(5);
  });
});
