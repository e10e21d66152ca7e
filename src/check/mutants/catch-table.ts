// The judge checked: for each mutant, the cases that failed naming the rule it breaks (caught),
// the other cases that failed, and whether any case failed on the correct server (it must not).
import type { CheckReport } from '../types.ts';
import { MUTANTS } from './mutations.ts';

export interface CatchRow {
  mutant: string;
  breaks: string;
  /** failed cases that list the broken rule */
  caughtBy: string[];
  /** other failed cases */
  alsoFailed: string[];
  inconclusive: string[];
  caught: boolean;
  report: string;
}

export interface CatchTable {
  rows: CatchRow[];
  caught: number;
  total: number;
  /** cases that failed on the correct server (must be none) */
  falseAlarms: string[];
  baselineReport: string | undefined;
}

export function catchRow(mutant: string, r: CheckReport, report: string): CatchRow {
  const breaks = MUTANTS[mutant]!.breaks;
  const failed = r.cases.filter((c) => c.verdict === 'FAIL');
  const caughtBy = failed.filter((c) => c.rules.includes(breaks)).map((c) => c.id);
  return {
    mutant, breaks, caughtBy, alsoFailed: failed.filter((c) => !c.rules.includes(breaks)).map((c) => c.id),
    inconclusive: r.cases.filter((c) => c.verdict === 'INCONCLUSIVE').map((c) => c.id), caught: caughtBy.length > 0, report,
  };
}

export function catchTable(rows: CatchRow[], baseline: CheckReport | undefined, baselineReport: string | undefined): CatchTable {
  return {
    rows, caught: rows.filter((r) => r.caught).length, total: rows.length,
    falseAlarms: baseline ? baseline.cases.filter((c) => c.verdict === 'FAIL').map((c) => c.id) : [], baselineReport,
  };
}

const list = (xs: string[], most = 4) => (xs.length === 0 ? '—' : xs.slice(0, most).join(', ') + (xs.length > most ? ` (+${xs.length - most})` : ''));

export function catchMarkdown(t: CatchTable, command: string): string {
  const L = ['# Mutants: does the check catch known bugs?', '', `- command: \`${command}\``,
    `- caught: **${t.caught} of ${t.total}** mutants failed a case naming the rule they break`,
    t.baselineReport === undefined ? '- the correct server was not run this time'
      : `- correct server: ${t.falseAlarms.length === 0 ? 'no case failed' : `**${t.falseAlarms.length} cases failed: ${t.falseAlarms.join(', ')}**`} ([report](${t.baselineReport}))`,
    '', '| mutant | breaks | caught by | other failed cases | inconclusive | report |', '|---|---|---|---|---|---|'];
  for (const r of t.rows) {
    L.push(`| ${r.mutant} | ${r.breaks} | ${r.caught ? list(r.caughtBy) : '**not caught**'} | ${list(r.alsoFailed)} | ${list(r.inconclusive)} | [report](${r.report}) |`);
  }
  return L.join('\n') + '\n';
}
