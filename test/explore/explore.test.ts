// The search loop with in-thread jobs and a synthetic runner: every seed runs once, failures are
// shrunk and reported first (before shrinking), and a stop ends it with what it has.
import { describe, expect, it } from 'vitest';
import type { ExperimentFile, RunResult } from '../../src/explore/doc.ts';
import { type SeedJob, explore } from '../../src/explore/explore.ts';
import { FAULT_KINDS } from '../../src/explore/nemesis.ts';
import { type ExploreConfig, runSeed } from '../../src/explore/seed.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const config: ExploreConfig = { spec: 'middle-earth', topology: resolveTopology('middle-earth'), faults: [...FAULT_KINDS], durationMs: 10_000, maxShrinkRuns: 50 };
/** "Fails" iff a server crashes while a partition is silent-mode anywhere in the file. */
const run = async (d: ExperimentFile): Promise<RunResult> =>
  d.timeline.some((e) => e.do === 'crash') && d.timeline.some((e) => e.mode === 'silent')
    ? { outcome: 'FAIL', why: ['check consistent'] } : { outcome: 'PASS', why: [] };
const job = (seen: number[]): SeedJob => ({ run: (seed, onFailed) => (seen.push(seed), runSeed(config, seed, run, onFailed)) });

describe('explore', () => {
  it('runs every seed once over its jobs, and shrinks each failure', async () => {
    const seen: number[] = [];
    const failedFirst: number[] = [];
    const t = await explore(10, 40, [job(seen), job(seen)], { onFailed: (seed) => failedFirst.push(seed) });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => 10 + i));
    expect(t.seedsRun).toBe(40);
    expect(t.failures.length).toBeGreaterThan(0);
    expect(t.passed + t.failures.length).toBe(40);
    expect(failedFirst.sort((a, b) => a - b)).toEqual(t.failures.map((f) => f.seed));
    for (const f of t.failures) {
      // Two faults left: a crash with its restart, and a silent one (partition or down) with its end.
      const actions = f.shrunk!.doc.timeline.filter((e) => e.do);
      expect(actions.length).toBe(4);
      expect(actions.filter((e) => e.do === 'crash' || e.do === 'restart').length).toBe(2);
      expect(actions.filter((e) => e.mode === 'silent').length).toBeGreaterThanOrEqual(1);
    }
    expect(t.interrupted).toBe(false);
  });

  it('stops when told, with what it has', async () => {
    let stop = false;
    const t = await explore(1, 1000, [job([])], { stopped: () => stop, onProgress: (p) => { if (p.done === 5) stop = true; } });
    expect(t.seedsRun).toBe(5);
    expect(t.interrupted).toBe(true);
  });
});
