// What an explore run leaves behind, as text (the CLI writes it): each failing seed's schedule
// and its shrunk file, which say where they came from and how to replay them, and report.md /
// report.json (seeds run, the rate, each failure with its files).
import type { ExperimentFile, RunResult } from './doc.ts';
import type { ExploreTotals } from './explore.ts';
import type { SeedOutcome } from './seed.ts';

export interface ExploreRunInfo {
  command: string;
  topology: string;
  faults: string[];
  durationMs: number;
  jobs: number;
  placement: string;
  started: string;
}

/** File names in the output folder for a seed's schedule and its shrunk file. */
export const originalName = (doc: ExperimentFile): string => `${doc.name}.json`;
export const shrunkName = (doc: ExperimentFile): string => `${doc.name}-shrunk.json`;

const whyText = (r: RunResult) => r.why.join(', ') || r.outcome;

/** A failing seed's schedule, saying what found it. */
export function originalFile(doc: ExperimentFile, result: RunResult, info: ExploreRunInfo, path: string): string {
  const description = `${doc.description ?? ''} Found failing by \`${info.command}\` (seed ${doc.seed}): ${whyText(result)}. Replay: npm run experiment -- ${path}`.trim();
  return `${JSON.stringify({ ...doc, description }, null, 2)}\n`;
}

/** The shrunk file: named after its seed, saying the seed, the command and the shrinking, replayable as is. */
export function shrunkFile(o: SeedOutcome, info: ExploreRunInfo, path: string, from: string): string {
  const s = o.shrunk!;
  const description = `Shrunk from ${from} (seed ${o.seed}, found by \`${info.command}\`): it fails with ${whyText(o.result)}; this file with ${whyText(s.result)}. `
    + `${s.runs} runs${s.exhausted ? ' (stopped at the run limit: it may shrink further)' : ''}: ${s.steps.join('; ') || 'nothing smaller failed the same way'}. Replay: npm run experiment -- ${path}`;
  return `${JSON.stringify({ ...s.doc, name: `${s.doc.name}-shrunk`, description }, null, 2)}\n`;
}

export interface FailureEntry {
  seed: number;
  why: string[];
  detail?: string;
  file: string;
  shrunk?: { file: string; why: string[]; detail?: string; runs: number; exhausted: boolean; steps: string[] };
}

export function reportJson(info: ExploreRunInfo, t: ExploreTotals, failures: FailureEntry[]): string {
  return `${JSON.stringify({ ...info, ...t, failures }, null, 2)}\n`;
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

export function reportMarkdown(info: ExploreRunInfo, t: ExploreTotals, failures: FailureEntry[]): string {
  const L = [
    `# explore: ${info.topology}`, '',
    `Command: \`${info.command}\` — started ${info.started}, placement ${info.placement}, ${info.jobs} job${info.jobs === 1 ? '' : 's'}.`, '',
    `Faults: ${info.faults.join(', ')}; schedules of ${info.durationMs} ms.`, '',
    `Seeds ${t.seedStart}..${t.seedStart + t.seedsRequested - 1}: ${t.seedsRun} run${t.interrupted ? ' (interrupted)' : ''} in ${minutes(t.wallMs)}: **${t.perMinute} seeds/minute** (shrinking included). `
      + `${t.passed} passed, ${t.failures.length} failed, ${t.inconclusive} inconclusive, ${t.errors.length} broke.`, '',
  ];
  if (failures.length) {
    L.push('## Failures', '', '| seed | failed with | shrunk file | shrunk fails with | shrink runs |', '|---:|---|---|---|---:|');
    for (const f of failures) {
      L.push(`| ${f.seed} | ${f.why.join(', ')} | ${f.shrunk ? `[${f.shrunk.file}](${f.shrunk.file})` : `(not shrunk) [${f.file}](${f.file})`} | ${f.shrunk?.why.join(', ') ?? ''} | ${f.shrunk ? `${f.shrunk.runs}${f.shrunk.exhausted ? ' (limit)' : ''}` : ''} |`);
    }
    L.push('');
    for (const f of failures) {
      L.push(`### seed ${f.seed}`, '', `- schedule: \`${f.file}\``, `- ${f.detail ?? f.why.join(', ')}`);
      if (f.shrunk) L.push(`- shrunk: \`${f.shrunk.file}\` (${f.shrunk.steps.join('; ') || 'no smaller file failed the same way'})`, `- shrunk run: ${f.shrunk.detail ?? f.shrunk.why.join(', ')}`);
      L.push('');
    }
  } else {
    L.push('No failures.', '');
  }
  if (t.errors.length) {
    L.push('## Broken runs (not verdicts)', '');
    for (const e of t.errors.slice(0, 50)) L.push(`- seed ${e.seed}: ${e.message}`);
    L.push('');
  }
  L.push('Replay any file with `npm run experiment -- FILE` (its seed and placement are in it).', '');
  return L.join('\n');
}
