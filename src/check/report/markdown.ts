// report.md: the check's verdicts as a person reads them in a terminal or on GitHub.
import type { CheckReport } from '../types.ts';
import { RULES } from '../rules.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportMarkdown(r: CheckReport): string {
  const L: string[] = [];
  L.push(`# CRC check: ${r.server}`, '');
  L.push(`- command: \`${r.command}\``, `- started: ${r.started}, took ${(r.durationMs / 1000).toFixed(1)} s${r.quick ? ' (--quick: a subset)' : ''}`);
  L.push(`- result: ${Object.entries(r.counts).map(([v, n]) => `${n} ${v}`).join(', ')}; exit code ${r.exitCode}`, '');
  for (const n of r.notRun) L.push(`- **${n.section}: not run in this version** — ${n.why}`);
  if (r.notRun.length) L.push('');
  const sections = [...new Set(r.cases.map((c) => c.section))];
  for (const s of sections) {
    L.push(`## ${s}`, '', '| verdict | case | reason | evidence |', '|---|---|---|---|');
    for (const c of r.cases.filter((x) => x.section === s)) {
      L.push(`| ${c.verdict} | ${cell(c.id)} | ${cell(c.reason)} | ${c.evidence.map((e) => `[${e.split('/').pop()}](${e})`).join(' ')} |`);
    }
    L.push('');
  }
  const named = [...new Set(r.cases.flatMap((c) => c.rules))];
  if (named.length) {
    L.push('## rules the cases check', '', ...named.map((id) => `- \`${id}\`: ${RULES[id]}`), '');
  }
  return L.join('\n');
}
