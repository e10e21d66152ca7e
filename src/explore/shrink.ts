// The shrinker: from a failing experiment file, a smaller one that still fails the same way
// (its first failure kind, RunResult.why[0], among the new run's). In turn: delta debugging
// over the fault units (a fault's start and end go together), shorter times (halve the gaps,
// halve the faults' durations), fewer servers (leaves nobody names, with their clients), fewer
// flows; again while something changed. Every candidate is checked by parseExperiment before it
// runs; runs are cached by file and bounded by `maxRuns`.
import { parseExperiment } from '../experiment/parse.ts';
import { ddmin } from './ddmin.ts';
import type { ExperimentFile, RunExperimentFile, RunResult } from './doc.ts';
import { faultUnits } from './pairs.ts';
import { droppableClients, droppableServers, dropHosts, halveDurations, halveGaps, keepUnits, topologyOf } from './reduce.ts';

export const DEFAULT_SHRINK_RUNS = 200;
const MAX_ROUNDS = 3;

export interface ShrinkOptions {
  /** the most experiment runs the shrinker may spend */
  maxRuns?: number;
  log?: (line: string) => void;
}

export interface ShrinkResult {
  doc: ExperimentFile;
  /** the smallest file's own run */
  result: RunResult;
  runs: number;
  /** what each step took away, for the report */
  steps: string[];
  /** true when it stopped at maxRuns (the file may shrink further) */
  exhausted: boolean;
}

const valid = (doc: ExperimentFile): boolean => {
  try {
    parseExperiment(doc, doc.name);
    return true;
  } catch {
    return false;
  }
};

const actionCount = (d: ExperimentFile) => d.timeline.filter((e) => e.do !== undefined).length;
const size = (d: ExperimentFile) => `${actionCount(d)} actions, ${topologyOf(d).servers.length} servers, ${topologyOf(d).clients.length} clients, ${d.traffic.length} flows, last action at ${Math.max(0, ...d.timeline.map((e) => e.at ?? 0))} ms`;

export async function shrink(doc: ExperimentFile, failure: RunResult, run: RunExperimentFile, opts: ShrinkOptions = {}): Promise<ShrinkResult> {
  const maxRuns = opts.maxRuns ?? DEFAULT_SHRINK_RUNS;
  const kind = failure.why[0];
  const tried = new Map<string, boolean>();
  let runs = 0;
  let best = doc;
  let bestResult = failure;
  const steps: string[] = [];
  const stop = () => runs >= maxRuns;

  /** Does `candidate` fail the same way? (and if so, it is the new best) */
  const fails = async (candidate: ExperimentFile): Promise<boolean> => {
    const key = JSON.stringify(candidate);
    const known = tried.get(key);
    if (known !== undefined) return known;
    if (stop() || !valid(candidate)) return false;
    runs++;
    const r = await run(candidate);
    const same = r.outcome === 'FAIL' && (kind === undefined || r.why.includes(kind));
    tried.set(key, same);
    if (same) {
      best = candidate;
      bestResult = r;
    }
    return same;
  };

  const step = async (what: string, body: () => Promise<void>) => {
    const before = size(best);
    const runsBefore = runs;
    await body();
    const after = size(best);
    if (after !== before) {
      const line = `${what}: ${before} -> ${after} (${runs - runsBefore} runs)`;
      steps.push(line);
      opts.log?.(line);
    }
  };

  for (let round = 0; round < MAX_ROUNDS && !stop(); round++) {
    const start = JSON.stringify(best);
    await step('actions', async () => {
      const base = best;
      const units = faultUnits(base.timeline);
      // ddmin's every smaller answer was a failing run, so `best` is already that file.
      await ddmin(units, (u) => fails(keepUnits(base, u)), stop);
    });
    await step('times', async () => {
      for (let changed = true; changed && !stop();) {
        changed = false;
        for (const edit of [halveGaps, (d: ExperimentFile) => halveDurations(d, faultUnits(d.timeline))]) {
          const candidate = edit(best);
          if (JSON.stringify(candidate) !== JSON.stringify(best) && await fails(candidate)) changed = true;
        }
      }
    });
    await step('servers', async () => {
      for (let leaves = droppableServers(best); leaves.length && !stop(); leaves = droppableServers(best)) {
        const base = best;
        const keep = await ddmin(leaves, (k) => fails(dropHosts(base, new Set(leaves.filter((x) => !k.includes(x))))), stop);
        if (keep.length === leaves.length) break;
      }
      const clients = droppableClients(best);
      const base = best;
      await ddmin(clients, (k) => fails(dropHosts(base, new Set(), new Set(clients.filter((x) => !k.includes(x))))), stop);
    });
    await step('flows', async () => {
      const base = best;
      await ddmin(base.traffic, (f) => fails({ ...base, traffic: [...f] }), stop);
    });
    if (JSON.stringify(best) === start) break;
  }
  return { doc: best, result: bestResult, runs, steps, exhausted: stop() };
}
