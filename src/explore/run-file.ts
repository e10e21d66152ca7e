// An experiment file run for real: parsed, run by the experiment runner (in sim, or on real
// ports), its summary read as a RunResult (what failed, as kinds the shrinker can compare),
// with no results folder unless asked to keep them (10,000 seeds would fill the disk, and writing
// events.jsonl cost a fifth of a run's CPU).
import { join } from 'node:path';
import { parseExperiment } from '../experiment/parse.ts';
import { type ExperimentSummary, type RunExperimentOptions, runExperiment } from '../experiment/runner.ts';
import type { ExperimentFile, RunExperimentFile, RunResult } from './doc.ts';

/** The failure kinds of a run, most telling first: failed actions, failed checks, the verdict's consistency, then the traffic audit. */
export function runResultOf(s: Pick<ExperimentSummary, 'outcome' | 'actions' | 'checks' | 'verdict'>): RunResult {
  const why: string[] = [];
  const details: string[] = [];
  for (const a of s.actions) {
    if (!a.error) continue;
    why.push(`action ${a.did.split(' ')[0]} failed`);
    details.push(`${a.did}: ${a.error}`);
  }
  for (const c of s.checks) {
    if (c.outcome !== 'FAIL') continue;
    why.push(`check ${c.check.split(' ')[1]}`);
    details.push(`${c.check}: ${c.detail ?? (c.tookMs === null ? 'never' : `took ${c.tookMs} ms`)}`);
  }
  const v = s.verdict;
  if (!v.consistency.consistent) {
    why.push('verdict: not consistent');
    details.push(`not consistent: ${v.consistency.diff.slice(0, 3).map((d) => `${d.name} (${d.id}): ${d.problems.join('; ')}`).join(' | ')}`);
  }
  for (const f of v.traffic) {
    if (f.ok) continue;
    if (f.duplicated) why.push('traffic: duplicated');
    if (f.reordered) why.push('traffic: reordered');
    if (f.lostUnexplained) why.push('traffic: lost outside any fault');
    details.push(`traffic ${f.from}->${f.to}: ${f.duplicated} duplicated, ${f.reordered} reordered, ${f.lostUnexplained} of ${f.lost} lost outside any fault${f.examples.length ? ` (${f.examples.slice(0, 2).join('; ')})` : ''}`);
  }
  if (s.outcome === 'FAIL' && why.length === 0) why.push('fail');
  return { outcome: s.outcome, why: [...new Set(why)], ...(details.length ? { detail: details.join(' | ').slice(0, 2000) } : {}) };
}

export interface FileRunnerOptions {
  /** where the runs' results folders go, with keepResults (else none is written) */
  outDir: string;
  placement?: RunExperimentOptions['placement'];
  keepResults?: boolean;
  log?: (line: string) => void;
}

/** Runs experiment files with the experiment runner; a run that throws is a failure of kind "error". */
export function fileRunner(o: FileRunnerOptions): RunExperimentFile {
  return async (doc: ExperimentFile): Promise<RunResult> => {
    const exp = parseExperiment(doc, doc.name);
    try {
      const s = await runExperiment(exp, {
        file: join(o.outDir, `${doc.name}.json`), command: 'npm run explore', outDir: o.outDir, placement: o.placement, log: o.log,
        files: o.keepResults ?? false,
      });
      return runResultOf(s);
    } catch (err) {
      return { outcome: 'FAIL', why: ['error'], detail: (err as Error).message };
    }
  };
}
