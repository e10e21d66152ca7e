// The outcomes of many experiment runs as one table (docs/host-lateness.md): for each
// experiment under DIR (as `npm run experiment -- --out DIR` leaves them), how many runs were
// PASS, INCONCLUSIVE (with the lateness that excused each) and FAIL (with why).
//   node dist/bench/outcomes.js DIR
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentSummary } from '../src/experiment/summary.ts';

const dir = process.argv[2];
if (!dir || !existsSync(dir)) throw new Error(`usage: node dist/bench/outcomes.js DIR (a folder of experiment results; got '${dir ?? ''}')`);

const rows: string[] = ['| experiment | runs | PASS | INCONCLUSIVE (host late by) | FAIL (why) |', '|---|---:|---:|---|---|'];
for (const name of readdirSync(dir).sort()) {
  const runs = readdirSync(join(dir, name)).sort().map((r) => join(dir, name, r, 'summary.json')).filter(existsSync)
    .map((f) => JSON.parse(readFileSync(f, 'utf8')) as ExperimentSummary);
  if (runs.length === 0) continue;
  const count = (o: string) => runs.filter((r) => r.outcome === o).length;
  const late = runs.filter((r) => r.outcome === 'INCONCLUSIVE')
    .map((r) => r.checks.filter((c) => c.outcome === 'INCONCLUSIVE').map((c) => `${c.hostLateMs} ms in ${c.lateThread} (${c.check.replace(/^expect /, '')}: +${((c.tookMs ?? 0) - c.withinMs).toFixed(0)} ms)`).join(', '));
  const why = runs.filter((r) => r.outcome === 'FAIL').map((r) => {
    const checks = r.checks.filter((c) => c.outcome === 'FAIL').map((c) => `${c.check.replace(/^expect /, '')}: ${c.tookMs === null ? 'never' : `+${(c.tookMs - c.withinMs).toFixed(0)} ms, allowance ${c.allowanceMs} ms`}`);
    const bad = r.verdict.traffic.filter((f) => !f.ok).map((f) => `${f.from}->${f.to} ${f.lostUnexplained} lost outside a fault, ${f.duplicated} dup, ${f.reordered} reordered`);
    const verdict = r.verdict.passed ? [] : [`verdict: ${[r.verdict.consistency.consistent ? '' : 'inconsistent', ...bad].filter(Boolean).join(', ') || 'failed'}`];
    return [...checks, ...verdict, ...r.actions.filter((a) => a.error).map((a) => `action: ${a.error}`)].join('; ');
  });
  rows.push(`| ${name} | ${runs.length} | ${count('PASS')} | ${count('INCONCLUSIVE')}${late.length ? `: ${late.join('; ')}` : ''} | ${count('FAIL')}${why.length ? `: ${why.join(' / ')}` : ''} |`);
}
process.stdout.write(rows.join('\n') + '\n');
