// The check's report, rendered from a fixed set of case results: json, md and a self-contained html.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportHtml } from '../../src/check/report/html.ts';
import { reportMarkdown } from '../../src/check/report/markdown.ts';
import { writeReport } from '../../src/check/report/write.ts';
import { countsOf, exitCodeOf } from '../../src/check/runner.ts';
import type { CaseResult, CheckReport } from '../../src/check/types.ts';

const CASES: CaseResult[] = [
  { id: 'conformance/ours/5_1_welcomestatus', section: 'conformance', title: 'our scenario 5_1', verdict: 'PASS', reason: 'final state as expected (7 hosts compared)', rules: ['welcome-text'], evidence: ['cases/conformance/ours/5_1_welcomestatus/result.txt'], ms: 1200 },
  { id: 'conformance/course', section: 'conformance', title: "the course's scenarios", verdict: 'NOT APPLICABLE', reason: 'no course scenarios (*.cfg) in /nowhere', rules: [], evidence: [], ms: 0 },
  { id: 'faults/partition-heal', section: 'faults', title: 'experiment partition-heal', verdict: 'FAIL', reason: 'inconsistent: a <b>tag</b> | and a pipe', rules: ['netsplit-propagated'], evidence: ['cases/faults/partition-heal/x/summary.md'], ms: 15_000 },
  { id: 'robustness/slow-drip', section: 'robustness', title: 'drip', verdict: 'INCONCLUSIVE', reason: 'the attack itself broke: ECONNREFUSED', rules: ['survives-hostile-input'], evidence: ['cases/robustness/slow-drip/evidence.json'], ms: 6000 },
];

function report(cases: CaseResult[]): CheckReport {
  return {
    tool: 'crc-sim check', command: 'npm run check -- --quick', started: '2026-12-06T05:00:00.000Z', durationMs: 22_200, server: 'crc-server (ours)', quick: true,
    notRun: [{ section: 'load', why: 'not judged yet' }], cases, counts: countsOf(cases), exitCode: exitCodeOf(cases),
  };
}

describe('check report', () => {
  it('exit code: 1 on any FAIL, 3 when the worst is INCONCLUSIVE, 0 when all passed or do not apply', () => {
    expect(exitCodeOf(CASES)).toBe(1);
    expect(exitCodeOf(CASES.filter((c) => c.verdict !== 'FAIL'))).toBe(3);
    expect(exitCodeOf(CASES.filter((c) => c.verdict === 'PASS' || c.verdict === 'NOT APPLICABLE'))).toBe(0);
  });

  it('markdown: counts, a table per section with each reason and evidence link, and what was not run', () => {
    const md = reportMarkdown(report(CASES));
    expect(md).toContain('1 PASS, 1 FAIL, 1 INCONCLUSIVE, 1 NOT APPLICABLE; exit code 1');
    expect(md).toContain('## conformance');
    expect(md).toContain('## faults');
    expect(md).toContain('| FAIL | faults/partition-heal | inconsistent: a <b>tag</b> \\| and a pipe | [summary.md](cases/faults/partition-heal/x/summary.md) |');
    expect(md).toContain('| NOT APPLICABLE | conformance/course | no course scenarios (*.cfg) in /nowhere |  |');
    expect(md).toContain('**load: not run in this version** — not judged yet');
    expect(md).toContain('`netsplit-propagated`');
  });

  it('html: self-contained (inline CSS, no script, nothing fetched), escaped, every case and link present', () => {
    const html = reportHtml(report(CASES));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
    expect(html).toContain('a &lt;b&gt;tag&lt;/b&gt; | and a pipe');
    expect(html).not.toContain('<b>tag</b>');
    for (const c of CASES) expect(html).toContain(`<td class="id">${c.id}</td>`);
    expect(html).toContain('<a href="cases/robustness/slow-drip/evidence.json">evidence.json</a>');
    expect(html).toContain('class="v fail">FAIL');
    expect(html).toContain('load: not run in this version');
  });

  it('writes report.json (the same data), report.md and report.html', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-report-'));
    const r = report(CASES);
    writeReport(dir, r);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(r);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe(reportMarkdown(r));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(reportHtml(r));
  });
});
