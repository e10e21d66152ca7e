// One seed's work: its schedule from the nemesis, one run, and on a failure the shrinking. The
// same in a worker thread (workers/explore-host.ts) and in the caller's thread.
import type { Topology } from '../topology/schema.ts';
import type { ExperimentFile, RunExperimentFile, RunResult } from './doc.ts';
import { type FaultKind, generateSchedule } from './nemesis.ts';
import { type ShrinkResult, shrink } from './shrink.ts';

export interface ExploreConfig {
  /** as given to --topology (the file names it so) */
  spec: string;
  topology: Topology;
  faults: FaultKind[];
  durationMs: number;
  settleMs?: number;
  /** the most runs shrinking one failure may spend */
  maxShrinkRuns: number;
  /** written into each file, so it replays where it was found */
  placement?: string;
}

export interface SeedOutcome {
  seed: number;
  result: RunResult;
  /** wall time of the seed's first run (ms) */
  runMs: number;
  /** its schedule, when it failed */
  doc?: ExperimentFile;
  shrunk?: Omit<ShrinkResult, 'result'> & { result: RunResult };
}

export function scheduleOf(c: ExploreConfig, seed: number): ExperimentFile {
  return generateSchedule({ topology: c.topology, spec: c.spec, seed, faults: c.faults, durationMs: c.durationMs, settleMs: c.settleMs, placement: c.placement });
}

/** Run one seed; `onFailed` hears of a failure before the shrinking starts (so an interrupted run still has it). */
export async function runSeed(c: ExploreConfig, seed: number, run: RunExperimentFile, onFailed?: (doc: ExperimentFile, result: RunResult) => void): Promise<SeedOutcome> {
  const doc = scheduleOf(c, seed);
  const t0 = performance.now();
  const result = await run(doc);
  const runMs = performance.now() - t0;
  if (result.outcome !== 'FAIL') return { seed, result, runMs };
  onFailed?.(doc, result);
  const shrunk = await shrink(doc, result, run, { maxRuns: c.maxShrinkRuns });
  return { seed, result, runMs, doc, shrunk };
}
