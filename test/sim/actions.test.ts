// Every kind of timeline action runs on placement sim: each toxic type (added and removed),
// down cut one way and silent, up, hold / release, partition / heal, crash / restart, quit,
// disconnect and join, under traffic; the network ends consistent and the audit clean.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { registry } from '../../src/faults/registry.ts';

const out = mkdtempSync(join(tmpdir(), 'crc-sim-actions-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const TOXICS: Record<string, Record<string, unknown>> = {
  latency: { ms: 30, jitter: 5 },
  bandwidth: { rate: 50 },
  slicer: { average_size: 8, size_variation: 4, delay: 1 },
  timeout: { timeout: 300 },
  reset_peer: { timeout: 200 },
  slow_close: { delay: 100 },
  limit_data: { bytes: 5000 },
};

describe('every timeline action on placement sim', () => {
  it('the test names every registered toxic type', () => {
    expect(Object.keys(TOXICS).sort()).toEqual([...registry.keys()].sort());
  });

  it('plays them all under traffic and ends consistent', async () => {
    const timeline: Array<Record<string, unknown>> = [];
    let at = 500;
    for (const [type, attrs] of Object.entries(TOXICS)) {
      timeline.push({ at, do: 'toxic', link: '4-2', toxic: { type, name: `t-${type}`, ...attrs } });
      timeline.push({ at: at + 400, do: 'remove', link: '4-2', name: `t-${type}` });
      at += 1000;
    }
    timeline.push(
      { at, do: 'down', link: '7-4', direction: 'upstream' },
      { at: at + 500, do: 'up', link: '7-4' },
      { at: at + 1000, do: 'down', link: '2-1', direction: 'downstream', mode: 'silent' },
      { at: at + 2500, do: 'up', link: '2-1' },
      { at: at + 3000, do: 'hold', link: '4-2', direction: 'both' },
      { at: at + 3300, do: 'release', link: '4-2', direction: 'both' },
      { at: at + 3600, do: 'partition', groups: [[1, 2, 3, 5, 8], [4, 6, 7, 9, 10, 11]] },
      { at: at + 4000, do: 'heal' },
      { at: at + 4500, do: 'crash', server: 7 },
      { at: at + 5000, do: 'restart', server: 7 },
      { at: at + 5500, do: 'disconnect', client: 103 },
      { at: at + 5800, do: 'join', client: 103 },
      { at: at + 6000, do: 'quit', client: 104, text: 'bye' },
      { at: at + 6300, do: 'join', client: 104 },
      { at: at + 7000, expect: 'consistent', within: '3s' },
    );
    const exp = parseExperiment({
      name: 'sim-every-action', topology: 'middle-earth', seed: 31, timeline, duration: at + 9000,
      traffic: [{ from: 101, to: 108, rate: 50, size: 64, start: 0 }, { from: 108, to: 101, rate: 50, size: 64, start: 0 }],
    }, 'sim-every-action.json');
    const s = await runExperiment(exp, { file: 'sim-every-action.json', command: 'vitest', outDir: out, placement: 'sim' });
    expect(s.actions.filter((a) => a.error), JSON.stringify(s.actions.filter((a) => a.error))).toEqual([]);
    expect(s.checks.map((c) => c.outcome), JSON.stringify(s.checks)).toEqual(['PASS']);
    expect(s.verdict.passed, JSON.stringify(s.verdict).slice(0, 2000)).toBe(true);
    expect(s.outcome).toBe('PASS');
  }, 60_000);
});
