// Every shipped experiment (topologies/experiments/*.json) on placement sim: run twice, it gives
// byte-identical events.jsonl and the same verdict, and it PASSes, exactly (virtual time has no
// host lateness to excuse a miss). This is how CI judges the shipped verdicts. Speed is printed
// (wall and CPU against virtual time), never asserted.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../src/experiment/parse.ts';
import { type ExperimentSummary, runExperiment } from '../../src/experiment/runner.ts';

const DIR = 'topologies/experiments';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const out = mkdtempSync(join(tmpdir(), 'crc-sim-exp-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function runSim(file: string, round: number): Promise<{ summary: ExperimentSummary; events: Buffer }> {
  const summary = await runExperiment(loadExperimentFile(file), {
    file, command: 'vitest test/sim', outDir: join(out, String(round)), placement: 'sim',
  });
  return { summary, events: readFileSync(join(summary.folder, 'events.jsonl')) };
}

const failures = (s: ExperimentSummary) => JSON.stringify({
  checks: s.checks.filter((c) => !c.passed), actions: s.actions.filter((a) => a.error), verdict: s.verdict.passed ? 'PASS' : s.verdict,
}).slice(0, 3000);

describe('shipped experiments on placement sim', () => {
  it('there are experiments to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  for (const name of files) {
    it(`${name}: PASSes, and a second run gives byte-identical events.jsonl and the same verdict`, async () => {
      const file = join(DIR, name);
      const a = await runSim(file, 1);
      expect(a.summary.outcome, failures(a.summary)).toBe('PASS');
      expect(a.summary.hostLateness).toBeUndefined(); // nothing to excuse in virtual time
      const b = await runSim(file, 2);
      const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
      expect(b.events.length).toBe(a.events.length);
      expect(sha(b.events)).toBe(sha(a.events));
      expect(b.summary.outcome).toBe(a.summary.outcome);
      expect(b.summary.verdict).toEqual(a.summary.verdict);
      expect(b.summary.checks).toEqual(a.summary.checks);
      const v = a.summary.virtualTime!;
      const w = b.summary.virtualTime!;
      // Reported, not asserted: a loaded machine may be slow.
      console.log(`sim ${name}: ${(v.virtualMs / 1000).toFixed(1)} s virtual; wall ${v.wallMs.toFixed(0)} / ${w.wallMs.toFixed(0)} ms (${(v.virtualMs / w.wallMs).toFixed(1)}x), CPU ${v.cpuMs.toFixed(0)} / ${w.cpuMs.toFixed(0)} ms (${(v.virtualMs / w.cpuMs).toFixed(1)}x)`);
    }, 120_000);
  }
});
