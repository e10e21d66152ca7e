// Every shipped experiment (topologies/experiments/) with --placement processes, at its normal
// settings: each server a crc-server process, events over HTTP. Always checked: the run
// completes with no server dying unasked, its events came from the server processes, and the
// results folder has the same layout as a workers run. The experiments' own checks are timed
// to tens of milliseconds, which a machine shared by many jobs cannot promise; with
// CRC_STRICT_EXPERIMENTS=1 (a quiet machine) every experiment must also PASS. By default three
// of them run (a crash and restart, a cut partition, a silent one: together every kind of
// fault the placement drives), which keeps CI short; CRC_STRICT_EXPERIMENTS=1 or
// CRC_ALL_EXPERIMENTS=1 runs all of them.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { drawFolderPictures } from '../../src/report/render.ts';

const dir = fileURLToPath(new URL('../../topologies/experiments/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const strict = process.env.CRC_STRICT_EXPERIMENTS === '1';
const DEFAULT_SET = new Set(['crash-restart.json', 'partition-heal.json', 'silent-partition.json']);
const chosen = strict || process.env.CRC_ALL_EXPERIMENTS === '1' ? files : files.filter((f) => DEFAULT_SET.has(f));
const out = mkdtempSync(join(tmpdir(), 'crc-exp-processes-'));

describe('shipped experiments with placement processes', () => {
  it('are all here', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of DEFAULT_SET) expect(files).toContain(f);
  });

  it.each(chosen)('%s', async (f) => {
    const lines: string[] = [];
    const s = await runExperiment(loadExperimentFile(dir + f), { file: `topologies/experiments/${f}`, command: 'test', outDir: out, placement: 'processes', log: (l) => lines.push(l), pictures: drawFolderPictures });
    expect(lines.filter((l) => l.startsWith('CRASH'))).toEqual([]);
    for (const file of ['events.jsonl', 'summary.json', 'summary.md', 'lamport.svg', 'timeline.svg']) expect(existsSync(join(s.folder, file)), file).toBe(true);
    const summary = JSON.parse(readFileSync(join(s.folder, 'summary.json'), 'utf8'));
    expect(summary.topology.placement).toBe('processes');
    expect(summary.initialConvergenceMs).toBeGreaterThan(0);
    const events = readFileSync(join(s.folder, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; node?: number });
    expect(events.filter((e) => e.type === 'host-learned' && e.node !== undefined).length).toBeGreaterThan(summary.topology.servers);
    if (strict) expect(s.passed, lines.filter((l) => /FAIL|VERDICT/.test(l)).join('\n')).toBe(true);
    else if (!s.passed) console.warn(`${f} (processes): did not pass on this machine (timing); run with CRC_STRICT_EXPERIMENTS=1 on a quiet one:\n${lines.filter((l) => /FAIL|VERDICT/.test(l)).join('\n')}`);
  }, 120_000);
});
