// The check with a course-layout server under test (--impl course:DIR), on our fixture: a
// netsplit experiment whose findings are the implementation's failure (the rule named), the
// same case passing on our server, a hostile case against one adapter process (memory read
// from its /proc), and the catalog's foreign-only cases.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/check/catalog.ts';
import { foreignTopology } from '../../src/check/cases/faults.ts';
import { foreignRuleOf } from '../../src/check/cases/foreign-rule.ts';
import { courseServer } from '../../src/check/course-server.ts';
import { runCheck } from '../../src/check/runner.ts';
import { ourServer } from '../../src/check/server-under-test.ts';
import { loadExperimentFile } from '../../src/experiment/parse.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { FIXTURE_DIR, NO_PYTHON } from '../foreign/helpers.ts';

const DIRS = { scenarios: 'topologies/scenarios', reference: '/nonexistent-course-dir', experiments: 'topologies/experiments' };

/** One link lost between two servers: the far side's client must be forgotten. */
function netsplitExperiments(): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-course-exp-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'split.json'), JSON.stringify({
    name: 'split', description: 'the link between two servers goes down', seed: 1,
    topology: { name: 'pair', servers: [{ id: 1, name: 'a', info: 'a' }, { id: 2, name: 'b', info: 'b', join: 1 }], clients: [{ id: 101, name: 'c1', info: 'c1', server: 1 }, { id: 102, name: 'c2', info: 'c2', server: 2 }] },
    timeline: [{ at: '1s', do: 'down', link: '2-1' }, { expect: 'forgotten', id: 102, by: [1], within: '1s' }],
  }));
  return dir;
}

describe('which rule a foreign server broke, by the experiment', () => {
  it('names liveness for silent faults, server-quit for a crash, netsplit-propagated for a lost link', () => {
    const rule = (name: string) => foreignRuleOf(loadExperimentFile(`topologies/experiments/${name}.json`)).rule;
    expect(rule('silent-partition')).toBe('liveness');
    expect(rule('silent-one-way')).toBe('liveness');
    expect(rule('bandwidth-overflow')).toBe('liveness');
    expect(rule('crash-restart')).toBe('server-quit');
    expect(rule('partition-heal')).toBe('netsplit-propagated');
    expect(rule('flapping-link')).toBe('netsplit-propagated');
  });

  it('mixed: the implementation on the odd ids only', () => {
    const t = foreignTopology(resolveTopology('middle-earth', {}), { course: FIXTURE_DIR }, 'mixed');
    expect(t.servers.filter((s) => s.impl).map((s) => s.id)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(foreignTopology(t, { course: FIXTURE_DIR }, 'all').servers.every((s) => s.impl)).toBe(true);
  });

  it('the catalog has the mixed faults cases and interop only for a foreign implementation', () => {
    const ids = (foreign: boolean) => catalog({ ...DIRS, quick: true, foreign }).map((c) => c.id);
    expect(ids(true).filter((id) => id.startsWith('faults/') || id.startsWith('interop/'))).toEqual([
      'faults/crash-restart', 'faults/partition-heal', 'faults/partition-heal/mixed', 'faults/silent-partition', 'interop/theirs-joins-ours', 'interop/ours-joins-theirs',
    ]);
    expect(ids(false).filter((id) => id.includes('/mixed') || id.startsWith('interop/'))).toEqual([]);
  });
});

if (NO_PYTHON) console.warn(`SKIPPING the course-server runs of test/check/course-impl.test.ts: ${NO_PYTHON}`);

describe.skipIf(!!NO_PYTHON)('the check against the course fixture (needs npm run build)', () => {
  it('a lost link: FAIL of the implementation naming netsplit-propagated, both all and mixed; PASS on our server', async () => {
    const experiments = netsplitExperiments();
    const run = async (foreign: boolean) => {
      const out = mkdtempSync(join(tmpdir(), 'check-course-'));
      const sut = foreign ? courseServer(FIXTURE_DIR) : ourServer();
      return runCheck(sut, catalog({ ...DIRS, experiments, quick: false, foreign, only: ['faults/'] }), { out, command: 'test', quick: false, notRun: [] });
    };
    const theirs = await run(true);
    const why = theirs.cases.map((c) => `${c.id}: ${c.reason}`).join('\n');
    expect(theirs.cases.map((c) => [c.id, c.verdict]), why).toEqual([['faults/split', 'FAIL'], ['faults/split/mixed', 'FAIL']]);
    for (const c of theirs.cases) expect(c.reason, why).toMatch(/^breaks netsplit-propagated: a lost server link was never passed on; \d+ findings?, first: /);
    const ours = await run(false);
    expect(ours.cases.map((c) => [c.id, c.verdict]), ours.cases.map((c) => c.reason).join('\n')).toEqual([['faults/split', 'PASS']]);
  }, 120_000);

  it('a hostile case against one course server: alive, serving, memory read from the adapter process', async () => {
    const out = mkdtempSync(join(tmpdir(), 'check-course-rob-'));
    const r = await runCheck(courseServer(FIXTURE_DIR), catalog({ ...DIRS, quick: false, foreign: true, only: ['robustness/spoofed-source'] }), { out, command: 'test', quick: false, notRun: [] });
    expect(r.cases.map((c) => [c.id, c.verdict]), r.cases.map((c) => c.reason).join('\n')).toEqual([['robustness/spoofed-source', 'PASS']]);
    expect(r.cases[0]!.reason).toMatch(/RSS \+\d+\.\d MiB at peak/);
  }, 60_000);

  it('refuses a folder that is no course layout, naming the flag', () => {
    expect(() => courseServer('/nonexistent-course-folder')).toThrow(/--impl course:DIR: no folder \/nonexistent-course-folder/);
  });
});
