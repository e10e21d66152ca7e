// Runs cases one after another against the server under test: each gets its own evidence
// folder (cases/<id>/), a verdict with a one-line reason, and a progress line (done/total,
// elapsed, ETA). A case that throws is INCONCLUSIVE with the error: the check never stops half way.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ServerUnderTest } from './server-under-test.ts';
import { type CaseResult, type CheckCase, type CheckReport, EXIT_FAILED, EXIT_INCONCLUSIVE, type Section, VERDICTS, type Verdict } from './types.ts';

export interface RunCheckOptions {
  out: string;
  command: string;
  quick: boolean;
  notRun: Array<{ section: Section; why: string }>;
  /** a progress line (the terminal) */
  say?: (line: string) => void;
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function exitCodeOf(cases: readonly CaseResult[]): number {
  if (cases.some((c) => c.verdict === 'FAIL')) return EXIT_FAILED;
  if (cases.some((c) => c.verdict === 'INCONCLUSIVE')) return EXIT_INCONCLUSIVE;
  return 0;
}

export function countsOf(cases: readonly CaseResult[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const c of cases) counts[c.verdict]++;
  return counts;
}

/** Folder name of a case's evidence: its id with '/' kept as folders. */
export const caseDir = (id: string) => join('cases', ...id.split('/'));

export async function runCheck(sut: ServerUnderTest, cases: readonly CheckCase[], options: RunCheckOptions): Promise<CheckReport> {
  const started = new Date();
  const t0 = performance.now();
  const say = options.say ?? (() => {});
  const results: CaseResult[] = [];
  say(`check: ${cases.length} cases against ${sut.label}; evidence in ${options.out}`);
  sut.open();
  try {
    for (const [i, c] of cases.entries()) {
      const rel = caseDir(c.id);
      const dir = join(options.out, rel);
      mkdirSync(dir, { recursive: true });
      const caseStart = performance.now();
      let outcome;
      try {
        outcome = await c.run({ sut, dir, rel, log: (l) => say(`    ${l}`) });
      } catch (err) {
        outcome = { verdict: 'INCONCLUSIVE' as const, reason: `the case broke: ${(err as Error).message.split('\n')[0]}`, evidence: [] };
      }
      const ms = performance.now() - caseStart;
      results.push({
        id: c.id, section: c.section, title: c.title, verdict: outcome.verdict, reason: outcome.reason, rules: c.rules,
        evidence: outcome.evidence.map((f) => relative(options.out, join(dir, f))), ms,
      });
      const elapsed = performance.now() - t0;
      const eta = (elapsed / (i + 1)) * (cases.length - i - 1);
      say(`[${i + 1}/${cases.length}] ${outcome.verdict} ${c.id} (${(ms / 1000).toFixed(1)} s) ${outcome.reason.slice(0, 140)} | elapsed ${clock(elapsed)}, ETA ${clock(eta)}`);
    }
  } finally {
    sut.close();
  }
  return {
    tool: 'crc-sim check', command: options.command, started: started.toISOString(), durationMs: performance.now() - t0,
    server: sut.label, quick: options.quick, notRun: options.notRun, cases: results, counts: countsOf(results), exitCode: exitCodeOf(results),
  };
}
