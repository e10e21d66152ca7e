// npm run explore's usage errors: each names its flag, and the built command exits 2 with the usage.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseExploreFlags } from '../../src/cli/explore-flags.ts';
import { ROOT } from '../cli/helpers.ts';

const bad = (argv: string[]) => {
  try {
    parseExploreFlags(argv);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('npm run explore flags', () => {
  it('name the flag that is wrong', () => {
    expect(bad(['--seeds', '5'])).toBe('missing required flag --topology');
    expect(bad(['--topology', 'middle-earth'])).toBe('missing required flag --seeds');
    expect(bad(['--topology', 'middle-earth', '--seeds', 'ten'])).toMatch(/^--seeds must be an integer/);
    expect(bad(['--topology', 'middle-earth', '--seeds', '0'])).toMatch(/^--seeds must be an integer from 1/);
    expect(bad(['--topology', 'middle-earth', '--seeds', '5', '--faults', 'crash,meteor'])).toBe("--faults: unknown fault 'meteor' (one of partition, crash, flap, latency, silent, hold, client)");
    expect(bad(['--topology', 'middle-earth', '--seeds', '5', '--duration', 'soon'])).toMatch(/^--duration must be a duration/);
    expect(bad(['--topology', 'middle-earth', '--seeds', '5', '--jobs', '0'])).toMatch(/^--jobs must be an integer/);
    expect(bad(['--topology', 'middle-earth', '--seeds', '5', '--seed-start', '-1'])).toMatch(/--seed-start/);
    expect(bad(['--topology', 'middle-earth', '--seeds', '5', '--placement', 'external'])).toMatch(/^--placement must be one of/);
    expect(bad(['--topology', 'middle-earth', '--seeds', '5', '--bogus'])).toMatch(/--bogus/);
  });

  it('reads the rest', () => {
    const f = parseExploreFlags(['--topology', 'tree:30', '--seeds', '20', '--faults', 'crash,silent', '--duration', '3s', '--seed-start', '7', '--jobs', '2', '--out', 'x']);
    expect(f).toMatchObject({ topology: 'tree:30', seeds: 20, faults: ['crash', 'silent'], durationMs: 3000, seedStart: 7, jobs: 2, out: 'x' });
  });

  it('exits 2 with the usage, naming the flag (built command)', () => {
    const r = spawnSync(process.execPath, ['dist/src/cli/explore.js', '--topology', 'nowhere', '--seeds', '3'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --topology: unknown topology 'nowhere'/);
    expect(r.stderr).toContain('usage: npm run explore');
  });
});
