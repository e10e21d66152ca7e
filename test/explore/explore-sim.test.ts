// A short real `npm run explore` in sim (the built command): 20 seeds of middle-earth run to the
// end, the report says so, and every failure it lists has its schedule and a shrunk file that
// the experiment parser accepts and that says its seed and the command that found it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../src/experiment/parse.ts';
import { ROOT } from '../cli/helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'explore-sim-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function explore(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli/explore.js', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run explore in sim', () => {
  it('runs 20 seeds of middle-earth and reports them', async () => {
    const r = await explore(['--topology', 'middle-earth', '--seeds', '20', '--jobs', '1', '--placement', 'sim', '--out', out]);
    expect(r.stderr).toBe('');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ placement: 'sim', seedStart: 1, seedsRequested: 20, seedsRun: 20, interrupted: false, errors: [] });
    expect(report.passed + report.failures.length + report.inconclusive).toBe(20);
    expect(r.code).toBe(report.failures.length ? 1 : 0);
    expect(r.stdout).toMatch(/explore: 20\/20 seeds, \d+ failing, [\d.]+ seeds\/min/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Seeds 1\.\.20: 20 run in [\d.]+ min: \*\*[\d.]+ seeds\/minute\*\*/);
    for (const f of report.failures) {
      const shrunk = loadExperimentFile(f.shrunk.file);
      expect(shrunk.placement).toBe('sim');
      expect(shrunk.description).toContain(`seed ${f.seed}, found by \`npm run explore -- --topology middle-earth`);
      expect(() => loadExperimentFile(f.file)).not.toThrow();
    }
  }, 600_000);
});

describe('npm run explore, interrupted', () => {
  it('writes the report with what it has on Ctrl-C', async () => {
    const dir = join(out, 'interrupted');
    const child = spawn(process.execPath, ['dist/src/cli/explore.js', '--topology', 'middle-earth', '--seeds', '100000', '--jobs', '1', '--placement', 'sim', '--out', dir], { cwd: ROOT });
    let stdout = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (/explore: [1-9]\d*\/100000 seeds/.test(stdout)) resolve();
    }));
    child.kill('SIGINT');
    await closed;
    expect(stdout).toContain('interrupted');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.interrupted).toBe(true);
    expect(report.seedsRun).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('(interrupted)');
  }, 600_000);
});
