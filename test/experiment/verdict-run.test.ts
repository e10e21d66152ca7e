// The verdict and the phases on real workers, through runExperiment: a link cut and mended
// under traffic passes (consistent, its losses all to the cut, its phases measured); a
// client's link left stalled at the end fails, naming every host that still believes in it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

// s1-s2-s3; clients 100001 on s1, 100002 on s2, 100003 on s3.
const topology = resolveTopology('chain:3', { clients: 3 });

describe('the final verdict', () => {
  it('a cut and mended link: PASS, losses all to the cut, phases measured, in summary.json and summary.md', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crc-verdict-pass-'));
    const exp = parseExperiment({
      name: 'cut-and-mend',
      topology,
      traffic: [{ from: 100001, to: 100003, rate: 100, size: 64, start: 0, stop: '1.6s' }],
      timeline: [
        { at: '400ms', do: 'down', link: '3-2' },
        { expect: 'consistent', within: '500ms' },
        { at: '900ms', do: 'up', link: '3-2' },
        { expect: 'consistent', within: '1500ms' },
      ],
      duration: '2s',
    }, 'cut.json');
    const lines: string[] = [];
    const s = await runExperiment(exp, { file: 'cut.json', command: 'vitest', outDir: out, log: (l) => lines.push(l) });

    expect(s.passed, JSON.stringify({ checks: s.checks, verdict: s.verdict })).toBe(true);
    expect(s.checks.map((c) => [c.check, c.passed])).toEqual([['expect consistent within 500 ms', true], ['expect consistent within 1500 ms', true]]);
    expect(s.verdict.consistency).toMatchObject({ consistent: true, parts: [[1, 2, 3]], diff: [] });
    const flow = s.verdict.traffic[0]!;
    expect(flow).toMatchObject({ duplicated: 0, reordered: 0, lostUnexplained: 0, ok: true });
    expect(flow.lost).toBeGreaterThan(0); // ~50 chats were sent into the cut
    expect(flow.lostToFaults).toEqual([{ index: 0, what: 'down 3-2', lost: flow.lost }]);

    expect(s.phases.faults).toHaveLength(1);
    const p = s.phases.faults[0]!;
    expect(p).toMatchObject({ what: 'down 3-2', kind: 'cut', detectionBoundMs: 0, propagationBoundMs: 0, forgets: { expected: 12, seen: 12 }, learns: { expected: 12, seen: 12 } });
    expect(p.detectedBy.map((d) => d.server).sort()).toEqual([2, 3]);
    for (const x of [p.detectionMs, p.propagationMs, p.recoveryMs]) {
      expect(x).not.toBeNull();
      expect(x!).toBeGreaterThanOrEqual(0);
      expect(x!).toBeLessThan(1500);
    }

    expect(JSON.parse(readFileSync(join(s.folder, 'summary.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(s)));
    const md = readFileSync(join(s.folder, 'summary.md'), 'utf8');
    expect(md).toMatch(/^# Experiment cut-and-mend: PASSED/);
    expect(md).toContain('## Verdict\n\n**PASS**');
    expect(md).toMatch(/\| down 3-2 \| 0\.400 \| /);
    expect(md).toMatch(/\| 100001 → 100003 \| 0 \| 0 \| \d+ \| \d+ in down 3-2 \| 0 \| ok \|/);
    expect(lines).toContain('VERDICT PASS: consistent (1 part); traffic clean');
  });

  it('a client link left stalled: FAIL, with every host that still knows the client named', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crc-verdict-fail-'));
    const exp = parseExperiment({
      name: 'stalled-client',
      topology,
      proxyClients: [100002],
      timeline: [{ at: '200ms', do: 'hold', link: '100002-2' }],
      duration: '500ms',
    }, 'stalled.json');
    const lines: string[] = [];
    const s = await runExperiment(exp, { file: 'stalled.json', command: 'vitest', outDir: out, log: (l) => lines.push(l) });

    expect(s.passed).toBe(false);
    expect(s.actions.every((a) => !a.error)).toBe(true);
    expect(s.verdict.passed).toBe(false);
    const diff = Object.fromEntries(s.verdict.consistency.diff.map((d) => [d.name, d.problems]));
    expect(diff).toEqual({
      s1: ['extra hosts [100002]'],
      s2: ['extra hosts [100002]', 'adjacent users extra [100002]'],
      s3: ['extra hosts [100002]'],
      c100001: ['extra clients [100002]'],
      c100003: ['extra clients [100002]'],
    });
    const md = readFileSync(join(s.folder, 'summary.md'), 'utf8');
    expect(md).toMatch(/^# Experiment stalled-client: FAILED/);
    expect(md).toContain('## Verdict\n\n**FAIL**');
    expect(md).toContain('| s2 (2) | extra hosts [100002]; adjacent users extra [100002] |');
    expect(lines.some((l) => l.startsWith('VERDICT FAIL: not consistent after'))).toBe(true);
    expect(lines).toContain('  s1 (1): extra hosts [100002]');
  });
});
