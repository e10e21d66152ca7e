// Explore's runs write no results folder (runner option `files: false`): thousands of runs would
// spend a fifth of their CPU writing events.jsonl only to remove it. The verdict must not depend
// on it: the same schedule judged with and without the folder gives the same summary.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { FAULT_KINDS } from '../../src/explore/nemesis.ts';
import { scheduleOf } from '../../src/explore/seed.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const out = mkdtempSync(join(tmpdir(), 'explore-no-files-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const doc = scheduleOf({ spec: 'chain:4', topology: resolveTopology('chain:4'), faults: [...FAULT_KINDS], durationMs: 3000, maxShrinkRuns: 1, placement: 'sim' }, 7);
const run = (dir: string, files: boolean) => runExperiment(parseExperiment(doc, doc.name), { file: `${doc.name}.json`, command: 'test', outDir: dir, placement: 'sim', files });

describe('runExperiment with files: false', () => {
  it('writes nothing, and judges the run as the run with files does', async () => {
    const quiet = await run(join(out, 'none'), false);
    expect(existsSync(join(out, 'none'))).toBe(false);
    const written = await run(join(out, 'some'), true);
    const folder = join(out, 'some', doc.name);
    expect(readdirSync(join(folder, readdirSync(folder)[0]!)).sort()).toEqual(['events.jsonl', 'summary.json', 'summary.md']);
    const judged = (s: typeof quiet) => ({ outcome: s.outcome, actions: s.actions, checks: s.checks, verdict: s.verdict, traffic: s.traffic });
    expect(judged(quiet)).toEqual(judged(written));
  }, 120_000);
});
