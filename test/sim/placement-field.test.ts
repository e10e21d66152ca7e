// "placement": "sim" in an experiment file (or its topology) runs it on virtual time without
// --placement; a bad placement names the field. A tiny chain, a quit and a known/forgotten pair.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const out = mkdtempSync(join(tmpdir(), 'crc-sim-field-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const raw = (extra: Record<string, unknown>) => ({
  name: 'tiny-sim',
  topology: resolveTopology('chain:3', { clients: 3 }),
  seed: 4,
  traffic: [{ from: 100001, to: 100003, rate: 100, size: 64, start: 0, stop: '1s' }],
  timeline: [
    { at: '500ms', do: 'quit', client: 100002, text: 'bye' },
    { expect: 'forgotten', id: 100002, within: '1ms' },
    { at: '800ms', do: 'join', client: 100002 },
    { expect: 'known', id: 100002, within: '1ms' },
  ],
  duration: '1.5s',
  ...extra,
});

describe('"placement": "sim"', () => {
  it('in the file: the run is on virtual time, stamped in virtual ms, and says so', async () => {
    const exp = parseExperiment(raw({ placement: 'sim' }), 'tiny.json');
    const s = await runExperiment(exp, { file: 'tiny.json', command: 'vitest', outDir: out });
    expect(s.outcome, JSON.stringify(s.checks)).toBe('PASS');
    expect(s.topology.placement).toBe('sim');
    expect(s.virtualTime?.virtualMs).toBeGreaterThanOrEqual(1500);
    expect(s.hostLateness).toBeUndefined();
    // No wire delay: the quit and the join cross the chain in the same virtual instant.
    expect(s.checks.map((c) => c.tookMs)).toEqual([0, 0]);
    expect(readFileSync(join(s.folder, 'summary.md'), 'utf8')).toMatch(/Virtual time: placement sim/);
    const start = JSON.parse(readFileSync(join(s.folder, 'events.jsonl'), 'utf8').split('\n').find((l) => l.includes('"experiment-start"'))!);
    expect(start.rel).toBe(0);
    expect(start.t).toBeLessThan(1000); // virtual ms since the boot, not the epoch
    // ~100 chats over a chain nobody cut: all delivered.
    expect(s.traffic[0]).toMatchObject({ sent: 100, delivered: 100, lost: 0 });
  });

  it('an unknown placement names the field', () => {
    expect(() => parseExperiment(raw({ placement: 'simulated' }), 'tiny.json')).toThrow(/placement/);
  });
});
