// The search: seeds handed out one at a time to a set of jobs (worker threads in the CLI, or
// one in-thread job in tests), each running, and on a failure shrinking, its seed; progress
// after every seed. Stops early when `stopped()` says so (Ctrl-C) with what it has.
import type { ExperimentFile, RunResult } from './doc.ts';
import type { SeedOutcome } from './seed.ts';

/** Something that runs seeds one at a time (a worker thread, or the caller's thread). */
export interface SeedJob {
  run(seed: number, onFailed: (doc: ExperimentFile, result: RunResult) => void): Promise<SeedOutcome>;
}

export interface ExploreProgress {
  done: number;
  total: number;
  failures: number;
  elapsedMs: number;
  perMinute: number;
  /** ms to go at the rate so far (undefined before the first seed) */
  etaMs?: number;
}

export interface ExploreTotals {
  seedStart: number;
  seedsRequested: number;
  seedsRun: number;
  passed: number;
  inconclusive: number;
  failures: SeedOutcome[];
  /** seeds whose run broke (a worker died): not a verdict on the network */
  errors: Array<{ seed: number; message: string }>;
  wallMs: number;
  perMinute: number;
  interrupted: boolean;
}

export interface ExploreHooks {
  onProgress?: (p: ExploreProgress) => void;
  /** a seed failed (before its shrinking) */
  onFailed?: (seed: number, doc: ExperimentFile, result: RunResult) => void;
  /** a seed is done (failed ones with their shrunk file) */
  onOutcome?: (o: SeedOutcome) => void;
  stopped?: () => boolean;
}

export const perMinute = (n: number, ms: number): number => (ms > 0 ? +(n * 60_000 / ms).toFixed(1) : 0);

export async function explore(seedStart: number, count: number, jobs: readonly SeedJob[], hooks: ExploreHooks = {}): Promise<ExploreTotals> {
  const stopped = hooks.stopped ?? (() => false);
  const t0 = performance.now();
  const totals: ExploreTotals = { seedStart, seedsRequested: count, seedsRun: 0, passed: 0, inconclusive: 0, failures: [], errors: [], wallMs: 0, perMinute: 0, interrupted: false };
  let next = seedStart;
  const end = seedStart + count;
  const progress = () => {
    const elapsedMs = performance.now() - t0;
    const done = totals.seedsRun;
    hooks.onProgress?.({
      done, total: count, failures: totals.failures.length, elapsedMs, perMinute: perMinute(done, elapsedMs),
      ...(done ? { etaMs: (count - done) * elapsedMs / done } : {}),
    });
  };
  await Promise.all(jobs.map(async (job) => {
    while (next < end && !stopped()) {
      const seed = next++;
      try {
        const o = await job.run(seed, (doc, result) => hooks.onFailed?.(seed, doc, result));
        totals.seedsRun++;
        if (o.result.outcome === 'FAIL') totals.failures.push(o);
        else if (o.result.outcome === 'INCONCLUSIVE') totals.inconclusive++;
        else totals.passed++;
        hooks.onOutcome?.(o);
      } catch (err) {
        if (stopped()) break;
        totals.seedsRun++;
        totals.errors.push({ seed, message: (err as Error).message });
      }
      progress();
    }
  }));
  totals.interrupted = stopped() && totals.seedsRun < count;
  totals.wallMs = performance.now() - t0;
  totals.perMinute = perMinute(totals.seedsRun, totals.wallMs);
  totals.failures.sort((a, b) => a.seed - b.seed);
  return totals;
}
