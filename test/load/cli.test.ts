// npm run load checks its whole command line before anything starts; every error names its flag.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { parseLoadFlags } from '../../src/cli/load-flags.ts';

const bad = (args: string) => () => parseLoadFlags(args.split(' ').filter(Boolean));

describe('npm run load flags', () => {
  it('names the flag in every error', () => {
    const cases: Array<[string, RegExp]> = [
      ['--duration 5s', /missing required flag --rate/],
      ['--rate 100', /missing required flag --duration/],
      ['--rate 0 --duration 5s', /--rate must be a number above 0/],
      ['--rate abc --duration 5s', /--rate must be a number/],
      ['--rate 100 --duration 5x', /--duration must be a duration like 10s/],
      ['--rate 100 --duration 200ms', /--duration must be from 1s to 60m/],
      ['--rate 100 --duration 5s --pattern star', /--pattern must be one of all-pairs/],
      ['--rate 100 --duration 5s --pattern hotspot:999', /--pattern hotspot:999: no server 999/],
      ['--rate 100 --duration 5s --size 8', /--size must be an integer from 24/],
      ['--rate 100 --duration 5s --clients 0', /--clients must be an integer from 1/],
      ['--rate 100 --duration 5s --placement moon', /--placement must be one of workers, processes/],
      ['--rate 100 --duration 5s --topology tree:x', /--topology/],
      ['--rate 100 --duration 5s --find-max', /--find-max needs --slo/],
      ['--rate 100 --duration 5s --slo p99<5ms', /--slo is only for --find-max/],
      ['--rate 100 --duration 5s --find-max --slo p99>5ms', /--slo must look like "p99<5ms"/],
      ['--ramp 100:50:10:1s', /--ramp: TO \(50\) is below FROM/],
      ['--ramp 100:200:10', /--ramp must be FROM:TO:STEP:EACH/],
      ['--ramp 100:200:10:1s --rate 100', /--ramp sets the rates and the duration/],
      ['--rate 100 --duration 5s --experiment /nonexistent.json', /--experiment \/nonexistent.json: cannot read/],
      ['--rate 100 --duration 5s --bogus', /bogus/],
    ];
    for (const [args, message] of cases) {
      expect(bad(args), args).toThrow(UsageError);
      expect(bad(args), args).toThrow(message);
    }
  });

  it('reads a flows file, and names the file and field in its errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'load-flags-'));
    const good = join(dir, 'flows.json');
    writeFileSync(good, JSON.stringify([{ from: 1, to: 2, weight: 3 }, { from: 2, to: 1 }]));
    const o = parseLoadFlags(['--topology', 'chain:3', '--rate', '100', '--duration', '2s', '--pattern', good]);
    expect(o !== 'help' && o.flows).toEqual([{ from: 1, to: 2, weight: 3 }, { from: 2, to: 1, weight: 1 }]);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify([{ from: 1, to: 7 }, { from: 1, to: 2, weight: -1 }]));
    expect(() => parseLoadFlags(['--topology', 'chain:3', '--rate', '100', '--duration', '2s', '--pattern', wrong])).toThrow(new RegExp(`${wrong}: 1.weight`));
  });

  it('builds the schedule of a run, a ramp and find-max', () => {
    const run = parseLoadFlags(['--rate', '250', '--duration', '3s']);
    expect(run !== 'help' && { mode: run.mode, steps: run.steps, flows: run.flows.length, topology: run.topology.name }).toEqual({ mode: 'run', steps: [{ rate: 250, durationMs: 3000 }], flows: 110, topology: 'middle-earth' });
    const ramp = parseLoadFlags(['--ramp', '1000:3000:1000:2s', '--pattern', 'ring']);
    expect(ramp !== 'help' && ramp.steps.map((s) => s.rate)).toEqual([1000, 2000, 3000]);
    const fm = parseLoadFlags(['--rate', '500', '--duration', '2s', '--find-max', '--slo', 'p99<5ms']);
    expect(fm !== 'help' && { mode: fm.mode, slo: fm.slo }).toEqual({ mode: 'find-max', slo: { text: 'p99<5ms', percentile: 99, maxUs: 5000 } });
  });

  it('the built command exits 2 with the usage on a bad flag, before starting anything', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['dist/src/cli/load.js', '--rate', 'lots', '--duration', '2s'], (_err, _out, stderr) => resolve({ code: child.exitCode, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate must be a number above 0 and at most 1000000, got 'lots'/);
    expect(r.stderr).toContain('usage: npm run load');
  });
});
