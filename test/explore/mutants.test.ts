// The judge against deliberately wrong servers (src/check/mutants): `npm run explore` in sim,
// with each mutant it should catch, finds a failing seed among the first two, shrinks it, and
// the shrunk file fails again with the mutant and passes with the real server. Built commands:
// a mutant rewrites ServerCore's prototype, so it runs in a process of its own.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.ts';

const PRELOAD = './dist/src/check/mutants/preload.js';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function node(args: string[], mutant?: string) {
  const env = { ...process.env };
  delete env.CRC_MUTANT;
  if (mutant) env.CRC_MUTANT = mutant;
  const argv = mutant ? ['--import', PRELOAD, ...args] : args;
  return spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', env });
}

/** Mutants explore catches, and the failure kind it finds first (docs/explore.md lists the ones it cannot, and why). */
const CAUGHT: Array<[string, RegExp]> = [
  ['no-netsplit', /FAILED: check converged/], // a timed check during the run
  ['chat-twice', /FAILED: traffic: duplicated/],
  ['chat-wrong-hop', /FAILED: traffic: lost outside any fault/],
  ['no-quit-relay', /FAILED: check converged/], // a timed check after a quit, disconnect or crash
  ['no-registrations-to-clients', /FAILED: error/], // the start never converges
  ['mute', /FAILED: error/],
];

describe('explore catches the mutant servers', () => {
  it.each(CAUGHT)('%s: a failing seed, shrunk to a file that fails with it and passes without', (mutant, kind) => {
    const out = mkdtempSync(join(tmpdir(), `explore-${mutant}-`));
    dirs.push(out);
    const r = node(['dist/src/cli/explore.js', '--topology', 'middle-earth', '--seeds', '2', '--placement', 'sim', '--jobs', '1', '--out', out], mutant);
    expect(r.stderr + r.stdout).toMatch(kind);
    const shrunk = readdirSync(out).filter((f) => f.endsWith('-shrunk.json')).sort();
    expect(shrunk.length).toBeGreaterThan(0);
    const file = join(out, shrunk[0]!);
    expect(existsSync(file)).toBe(true);
    const withMutant = node(['dist/src/cli/experiment.js', '--placement', 'sim', '--out', join(out, 'with'), file], mutant);
    expect(withMutant.status, withMutant.stdout + withMutant.stderr).toBe(1);
    const real = node(['dist/src/cli/experiment.js', '--placement', 'sim', '--out', join(out, 'real'), file]);
    expect(real.status, real.stdout + real.stderr).toBe(0);
  }, 120_000);
});
