// crc-scenario (bin/crc-scenario -> dist/), as users run it: results, diffs, and the backend choice.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, run } from './helpers.ts';

afterEach(killAll);

/** A scenario whose expectation is wrong: a has one client, not two. */
function wrongScenarioFile(): string {
  const wrong = join(mkdtempSync(join(tmpdir(), 'crc-sc-')), 'wrong.json');
  writeFileSync(wrong, JSON.stringify({
    name: 'wrong',
    steps: [{ server: 'a', id: 1, info: '' }, { client: 'c', id: 101, info: '', server: 'a' }],
    expect: { a: { hosts: [101, 102] } },
  }));
  return wrong;
}

describe('crc-scenario', () => {
  it('runs scenario files and ends with the count; a wrong expectation exits 1 with a diff; a non-scenario names the field', async () => {
    const ok = run('crc-scenario', ['topologies/scenarios/4_1_message_zero_hops.json']);
    expect((await ok.exitWithin(15_000)).code).toBe(0);
    expect(ok.stdout).toMatch(/^PASS 4_1_Message_Zero_Hops/m);
    expect(ok.stdout).toMatch(/^1 passed, 0 failed$/m);

    const failing = run('crc-scenario', [wrongScenarioFile()]);
    expect((await failing.exitWithin(15_000)).code).toBe(1);
    expect(failing.stdout).toMatch(/^FAIL wrong/m);
    expect(failing.stdout).toMatch(/a\.hosts: missing \[102\]/);
    expect(failing.stdout).toMatch(/^0 passed, 1 failed$/m);

    const notScenario = run('crc-scenario', ['topologies/middle-earth.json']);
    expect((await notScenario.exitWithin(15_000)).code).not.toBe(0);
    expect(notScenario.stderr).toMatch(/middle-earth\.json: /);
  });

  it('--backend memory runs all 20 own scenarios, and reports a wrong expectation with its diff', async () => {
    const all = run('crc-scenario', ['--backend', 'memory']);
    expect((await all.exitWithin(15_000)).code).toBe(0);
    expect(all.stdout).toMatch(/^PASS 6_3_ClientQuit_ElevenServers/m);
    expect(all.stdout).toMatch(/^20 passed, 0 failed$/m);

    const failing = run('crc-scenario', ['--backend', 'memory', wrongScenarioFile()]);
    expect((await failing.exitWithin(15_000)).code).toBe(1);
    expect(failing.stdout).toMatch(/a\.hosts: missing \[102\]/);
  });

  it('--backend sim runs all 20 own scenarios on virtual time', async () => {
    const all = run('crc-scenario', ['--backend', 'sim']);
    expect((await all.exitWithin(15_000)).code).toBe(0);
    expect(all.stdout).toMatch(/^20 passed, 0 failed$/m);
  });

  it('--backend workers and its alias --workers run the servers in worker threads', async () => {
    const file = 'topologies/scenarios/4_2_message_one_hop.json';
    for (const args of [['--backend', 'workers', file], ['--workers', file], ['--workers', '--backend', 'workers', file]]) {
      const p = run('crc-scenario', args);
      expect((await p.exitWithin(15_000)).code, args.join(' ')).toBe(0);
      expect(p.stdout, args.join(' ')).toMatch(/^1 passed, 0 failed$/m);
    }
  }, 3 * 15_000 + 5_000); // three runs one after another, each bounded by its own exitWithin

  it('refuses an unknown backend, --workers against another backend, and flags that mean nothing in memory', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--backend', 'udp'], /error: --backend must be one of tcp, workers, processes, memory, sim, got 'udp'/],
      [['--workers', '--backend', 'memory'], /error: --workers means --backend workers; it contradicts --backend memory/],
      [['--backend', 'memory', '--exact-ports'], /error: --exact-ports means nothing with --backend memory: the in-memory network has no ports/],
      [['--backend', 'memory', '--real-waits'], /error: --real-waits means nothing with --backend memory: no time passes/],
      [['--backend', 'sim', '--exact-ports'], /error: --exact-ports means nothing with --backend sim/],
      [['--backend', 'sim', '--real-waits'], /error: --real-waits means nothing with --backend sim: it runs on virtual time/],
    ];
    const procs = cases.map(([args]) => run('crc-scenario', args));
    for (const [i, p] of procs.entries()) {
      const [args, message] = cases[i]!;
      expect((await p.exitWithin(15_000)).code, args.join(' ')).toBe(2);
      expect(p.stderr, args.join(' ')).toMatch(message);
      expect(p.stdout, args.join(' ')).toBe(''); // refused before running anything
    }
  });

  it('--help lists the backends', async () => {
    const p = run('crc-scenario', ['--help']);
    expect((await p.exitWithin(15_000)).code).toBe(0);
    expect(p.stdout).toMatch(/--backend B/);
    for (const b of ['tcp', 'workers', 'memory']) expect(p.stdout).toMatch(new RegExp(`^ +${b} +\\S`, 'm'));
    expect(p.stdout).toMatch(/--workers +the same as --backend workers/);
  });
});
