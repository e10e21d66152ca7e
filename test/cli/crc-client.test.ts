// crc-client as a process (the built JS), against a crc-server process.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../net/helpers.ts';
import { type Proc, killAll, requireBuild, run, startServer } from './helpers.ts';

beforeAll(requireBuild);
let port = 0;
beforeEach(async () => {
  port = (await startServer(['--id', '1', '--servername', 'hub', '--info', 'hub'], 'hub')).port;
});
afterEach(killAll);

function client(id: number, name: string): Proc {
  return run('crc-client', ['--id', String(id), '--serverhost', '127.0.0.1', '--serverport', String(port), '--username', name, '--info', `${name} info`], name);
}

/** Two clients that know each other. */
async function pair(): Promise<{ alice: Proc; bob: Proc }> {
  const alice = client(101, 'alice');
  await alice.out(/\* connected to 127\.0\.0\.1:\d+ as alice \(101\)/);
  const bob = client(102, 'bob');
  await alice.out(/\* bob \(102\) is on the network/);
  await bob.out(/\* alice \(101\) is on the network/);
  return { alice, bob };
}

describe('crc-client', () => {
  it('/msg, /who, an unknown command, /quit', async () => {
    const { alice, bob } = await pair();
    alice.send('/msg 102 hello');
    const line = (await bob.out(/^.*hello.*$/m))[0];
    expect(line).toBe('<101> hello');

    alice.send('/who');
    expect((await alice.out(/\* known clients: .*/))[0]).toBe('* known clients: 102');

    alice.send('frobnicate now');
    expect((await alice.out(/^! .*$/m))[0]).toBe('! unknown command: frobnicate (try /help)');

    alice.send('/msg abc hi');
    await alice.out(/! 'abc' is not a client id/);

    alice.send('/quit bye');
    expect(await alice.exitWithin(), alice.stderr).toEqual({ code: 0, signal: null });
    await bob.out(/\* 101 left/);
    bob.send('/who');
    await bob.out(/\* no other clients known/);
  });

  it('the course words MESSAGE and QUIT work too', async () => {
    const { alice, bob } = await pair();
    bob.send('MESSAGE 101 hello from the course');
    expect((await alice.out(/^<102> .*$/m))[0]).toBe('<102> hello from the course');
    bob.send('QUIT');
    expect(await bob.exitWithin(), bob.stderr).toEqual({ code: 0, signal: null });
    await alice.out(/\* 102 left/);
  });

  it('--serverhost with a course server name that resolves nowhere dials 127.0.0.1, saying so once', async () => {
    const p = run('crc-client', ['--id', '7', '--serverhost', 'theshire', '--serverport', String(port), '--username', 'frodo', '--info', ''], 'frodo');
    await p.out(/\* connected to theshire:\d+ as frodo \(7\)/);
    expect(p.stderr.match(/does not resolve: dialling 127\.0\.0\.1/g), p.stderr).toHaveLength(1);
    p.send('/quit');
    expect(await p.exitWithin(), p.stderr).toEqual({ code: 0, signal: null });
  });

  it('exits non-zero with an error naming the address when nothing listens there', async () => {
    const closed = await freePort();
    const p = run('crc-client', ['--id', '5', '--serverhost', '127.0.0.1', '--serverport', String(closed), '--username', 'x', '--info', '']);
    const exit = await p.exitWithin();
    expect(exit.code, p.stderr).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(p.stderr).toMatch(/^error: /);
    expect(p.stderr).toContain(`127.0.0.1:${closed}`);
  });
});
