// npm start (dist/src/cli/sim.js) and experiment, as users run them (crc-scenario: crc-scenario.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, requireBuild, run } from './helpers.ts';

afterEach(killAll);

describe('npm start', () => {
  it('starts middle-earth in workers, prints the summary with every port, and --once exits 0', async () => {
    requireBuild();
    const p = run('sim', ['--once']);
    await p.out(/converged in +\d+ ms/, 20_000);
    const exit = await p.exitWithin(10_000);
    expect(exit.code).toBe(0);
    expect(p.stdout).toMatch(/servers +11 in 11 worker threads \(1 per worker\)/);
    expect(p.stdout).toMatch(/clients +8 in 1 client worker thread/);
    for (const name of ['theshire', 'rivendale', 'barad-dur']) expect(p.stdout).toMatch(new RegExp(`${name} +127\\.0\\.0\\.1:\\d+`));
  });

  it('Ctrl-C stops every worker and exits 0', async () => {
    const p = run('sim', ['--topology', 'chain:5']);
    await p.out(/running; Ctrl-C/, 20_000);
    p.child.kill('SIGINT');
    expect((await p.exitWithin(10_000)).code).toBe(0);
    expect(p.stdout).toMatch(/SIGINT: stopping 5 workers/);
  });

  it('without a terminal: no ink, one plain status line a second (with --load, its flows), and a final summary at Ctrl-C', async () => {
    const p = run('sim', ['--topology', 'chain:3', '--clients', '3', '--load', '--load-rate', '50']);
    await p.out(/running; Ctrl-C/, 20_000);
    await p.out(/background load: 50 chats\/s of 64 B on each of 100003->100001, 100001->100003/);
    await p.out(/^\d+:\d\d +converged +servers 3\/3 up +msgs\/s in \S+ out \S+ +queued \d+ K?i?B +delivered\/s [1-9]\d* +load 2x50\/s +links: 2 direct$/m, 10_000);
    p.child.kill('SIGINT');
    expect((await p.exitWithin(10_000)).code).toBe(0);
    expect(p.stdout).toMatch(/^ran +\d+:\d\d \(seed 1\)$/m);
    expect(p.stdout).toMatch(/^at the end +converged; links: 2 direct$/m);
    expect(p.stdout).toMatch(/^chats +[1-9]\d* delivered \([1-9]\d* sent by the background load\)/m);
    expect(p.stdout).not.toMatch(/\u001B\[/); // no terminal escapes: ink never ran
  });

  it('a bad topology gives a clear error naming it', async () => {
    const p = run('sim', ['--topology', 'ring:5']);
    const exit = await p.exitWithin(10_000);
    expect(exit.code).not.toBe(0);
    expect(p.stderr).toMatch(/error: unknown topology 'ring:5'/);
  });

  it('checks its liveness flags as crc-server does', async () => {
    const alone = run('sim', ['--ping-timeout', '400']);
    expect((await alone.exitWithin(10_000)).code).toBe(2);
    expect(alone.stderr).toMatch(/--ping-timeout needs --ping-interval/);
    const under = run('sim', ['--ping-interval', '400', '--ping-timeout', '100']);
    expect((await under.exitWithin(10_000)).code).toBe(2);
    expect(under.stderr).toMatch(/--ping-timeout/);
  });
});

describe('experiment', () => {
  it('needs a file, and names a missing one', async () => {
    const none = run('experiment', []);
    expect((await none.exitWithin(10_000)).code).toBe(2);
    expect(none.stderr).toMatch(/error: name at least one experiment file/);
    const missing = run('experiment', ['topologies/experiments/nope.json']);
    expect((await missing.exitWithin(10_000)).code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.json: cannot read: ENOENT/);
  });
});
