// The check's runner on our own server with two fast cases (a scenario and a hostile case):
// both pass, each leaves its evidence, and the report's exit code is 0.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/check/catalog.ts';
import { runCheck } from '../../src/check/runner.ts';
import { ourServer } from '../../src/check/server-under-test.ts';

const DIRS = { scenarios: 'topologies/scenarios', reference: '/nonexistent-course-dir', experiments: 'topologies/experiments' };

describe('check runner against our crc-server', () => {
  it('passes a scenario and a hostile case, with evidence and exit code 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'check-run-'));
    const cases = catalog({ ...DIRS, quick: false, only: ['conformance/ours/3_1', 'robustness/duplicate-id'] });
    expect(cases.map((c) => c.id)).toEqual(['conformance/ours/3_1_oneserver_oneclient', 'robustness/duplicate-id']);
    const lines: string[] = [];
    const r = await runCheck(ourServer(), cases, { out, command: 'test', quick: false, notRun: [], say: (l) => lines.push(l) });
    expect(r.cases.map((c) => [c.id, c.verdict]), r.cases.map((c) => c.reason).join('\n')).toEqual([
      ['conformance/ours/3_1_oneserver_oneclient', 'PASS'], ['robustness/duplicate-id', 'PASS'],
    ]);
    expect(r.exitCode).toBe(0);
    for (const c of r.cases) for (const e of c.evidence) expect(existsSync(join(out, e)), e).toBe(true);
    expect(lines.filter((l) => /^\[\d\/2\] PASS .*elapsed \d+:\d\d, ETA \d+:\d\d$/.test(l))).toHaveLength(2);
  }, 90_000);

  it('with no course scenarios, says NOT APPLICABLE and why', async () => {
    const out = mkdtempSync(join(tmpdir(), 'check-na-'));
    const r = await runCheck(ourServer(), catalog({ ...DIRS, quick: false, only: ['conformance/course'] }), { out, command: 'test', quick: false, notRun: [] });
    expect(r.cases).toHaveLength(1);
    expect(r.cases[0]!.verdict).toBe('NOT APPLICABLE');
    expect(r.cases[0]!.reason).toContain('/nonexistent-course-dir');
    expect(r.exitCode).toBe(0);
  });
});
