// An experiment over a tree with a course server (the fixture as s2 of chain:3): a cut of the
// link 2-3 leaves s2 (no server-quit handling) and s1 behind it knowing s3's side. The check is
// a finding about s2, naming its rule, not a failure; the summary says how each host is observed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { withImpl } from '../../src/topology/impl.ts';
import { FIXTURE_DIR, NO_PYTHON } from './helpers.ts';

describe.skipIf(NO_PYTHON)('an experiment with a course server', () => {
  it('a cut behind the course server: findings about it, a PASS for ours, and how each host is observed', async () => {
    const exp = parseExperiment({
      name: 'foreign-cut',
      topology: withImpl(resolveTopology('chain:3', { clients: 3 }), { course: FIXTURE_DIR }, [2]),
      seed: 1,
      timeline: [
        { at: '300ms', do: 'down', link: '3-2' },
        { expect: 'forgotten', id: 3, by: [1, 2], within: '500ms' },
      ],
      duration: '1.5s',
    }, 'foreign-cut.json');
    const out = mkdtempSync(join(tmpdir(), 'crc-foreign-exp-'));
    const s = await runExperiment(exp, { file: 'foreign-cut.json', command: 'test', outDir: out });
    const check = s.checks[0]!;
    expect(check.passed).toBe(true);
    expect(check.findings).toEqual([expect.stringMatching(/^server 2 s2 \(course:.*course-impl\/?\) has no liveness and no server-quit handling: .*s2 \(2\) still knows 3/)]);
    expect(s.hosts?.map((h) => `${h.id}:${h.observed}`)).toEqual(['1:ours', '2:course', '3:ours']);
    const md = readFileSync(join(s.folder, 'summary.md'), 'utf8');
    expect(md).toMatch(/## Hosts, and how each is observed/);
    expect(md).toMatch(/\| 2 s2 \| course:.* \| course layout under tools\/course_host\.py: state polled from its attributes/);
    expect(md).toMatch(/## Findings about foreign servers/);
  }, 120_000);
});
