// Interop with heartbeats on (crc-server --ping-interval / --ping-timeout): a Python server
// (course style, test/interop/crc_peer.py) gets one probe, ignores it (a quit from id 0: no
// client to forget), logs nothing, is noted as a server
// without liveness and is never timed out; the probe's bytes are struct.pack's; between our
// own servers a stopped process is found dead and split off, and re-joins when it resumes;
// crc-client --reconnect comes back to a restarted server. The other interop file runs with
// heartbeats off (the default).
import { describe, expect, it } from 'vitest';
import { PING_TEXT } from '../../src/core/index.ts';
import { waitFor } from '../net/helpers.ts';
import { NO_PYTHON, WELCOME, capture, ourClient, ourLine, ourServer, pyClient, pyPack, pyServer, sorted, useInteropLifecycle, who } from './helpers.ts';

if (NO_PYTHON) console.warn(`SKIPPING test/interop/heartbeats.test.ts: ${NO_PYTHON}`);
useInteropLifecycle();

const HEARTBEATS = ['--ping-interval', '100', '--ping-timeout', '400'];
// Time itself is under test here ("never timed out", "never repeated", "no false timeout"): each
// quiet period starts only after the event it follows has been seen, and spans whole timeouts.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const noted = (stderr: () => string) => stderr().split('\n').filter((l) => l.includes('did not answer the liveness ping'));

// Several processes each, on a shared 2-core machine: a generous bound, not a timing check.
describe.skipIf(!!NO_PYTHON)('interop with heartbeats on', { timeout: 90_000 }, () => {
  it('Python servers beside ours get one probe each, log nothing, are noted as without liveness, and are never timed out', async () => {
    const p1 = await pyServer(1, 'python-root', 'root');
    const s2 = await ourServer(2, 'ours-middle', 'middle', p1.port, HEARTBEATS);
    const p3 = await pyServer(3, 'python-leaf', 'leaf', s2.port);
    const [py201, , py203] = await Promise.all([pyClient(201, 'pippin', p1.port), ourClient(102, 'sam', s2.port), pyClient(203, 'gandalf', p3.port)]);
    await p1.until((s) => Object.keys(s.hosts_db).length === 5, 'know 5 hosts');
    await p3.until((s) => Object.keys(s.hosts_db).length === 5, 'know 5 hosts');
    await waitFor(() => noted(() => s2.proc.stderr).length >= 2, 5000, 'both Python servers noted as without liveness');
    await sleep(3 * 400); // then three more timeouts of silence on both links: never timed out

    for (const p of [p1, p3]) expect((await p.state()).status_updates_log).toEqual([]);
    expect(noted(() => s2.proc.stderr).map((l) => l.match(/server (\d+) did not/)![1]).sort()).toEqual(['1', '3']);
    expect(s2.proc.stderr).not.toMatch(/ping timeout/);
    const ours = await s2.state();
    expect(sorted(ours.adjacentServerIds)).toEqual([1, 3]);
    expect(ours.statusLog).toEqual([]);

    py201.proc.send('MESSAGE 203 still routed ✓');
    expect((await py203.until((s) => s.chat_messages_log.length === 1, 'get a chat')).chat_messages_log).toEqual(['still routed ✓']);
    for (const [py, name] of [[py201, 'pippin'], [py203, 'gandalf']] as const) expect((await py.state()).status_updates_log).toEqual([WELCOME(name)]);
  });

  it('bytes: the probe is one client quit from id 0 behind our registration, each way, never repeated, never logged', async () => {
    const s1 = await ourServer(1, 'alpha', 'ours', undefined, HEARTBEATS);
    const cap = await capture(s1.port);
    const p7 = await pyServer(7, 'minas-tirith', 'tower', cap.port);
    await p7.until((s) => Object.keys(s.hosts_db).length === 1, 'be seeded');
    // Accepting a Python server: the seed is our registration (last_hop 0), then the probe.
    const probe = pyPack('quit', '0', PING_TEXT);
    const first = pyPack('registration', '0', '1', '0', 'alpha', 'ours') + probe;
    await waitFor(() => cap.down().toString('hex') === first, 5000, 'the registration and the probe');

    // Dialling a Python server: our registration, then the probe.
    const p8 = await pyServer(8, 'osgiliath', 'citadel');
    const capUp = await capture(p8.port);
    const s2 = await ourServer(2, 'beta', 'ours two', capUp.port, HEARTBEATS);
    await s2.until((s) => s.adjacentServerIds.includes(8), 'link 8');
    const firstUp = pyPack('registration', '0', '2', '0', 'beta', 'ours two') + probe;
    await waitFor(() => capUp.up().toString('hex') === firstUp, 5000, 'the registration and the probe');

    await sleep(3 * 400); // never repeated, either way: three timeouts more on both links
    expect(cap.down().toString('hex')).toBe(first);
    expect((await p7.state()).status_updates_log).toEqual([]);
    expect(capUp.up().toString('hex')).toBe(firstUp);
    expect((await p8.state()).status_updates_log).toEqual([]);
  });

  it('between our servers, a stopped process is found dead and split off; resumed, it re-joins (--reconnect)', async () => {
    const s1 = await ourServer(1, 'alpha', 'ours one', undefined, HEARTBEATS);
    const s2 = await ourServer(2, 'beta', 'ours two', s1.port, [...HEARTBEATS, '--reconnect']);
    const py201 = await pyClient(201, 'pippin', s1.port);
    await ourClient(102, 'sam', s2.port);
    await py201.until((s) => s.connected_user_ids.includes(102), 'know 102');
    await sleep(3 * 100); // pings and pongs on the idle link: three intervals, and no false timeout
    expect(s1.proc.stderr + s2.proc.stderr).not.toMatch(/ping timeout|did not answer/);

    s2.proc.child.kill('SIGSTOP');
    const t0 = Date.now();
    await py201.until((s) => !s.connected_user_ids.includes(102), 'forget 102', 3000);
    expect(Date.now() - t0).toBeLessThan(400 + 100 + 1000); // the bound, and slack for two processes' polling
    expect(s1.proc.stderr).toMatch(/server 2 silent for \d+ ms: ping timeout/);
    expect((await s1.state()).hosts.map((h) => h.id)).toEqual([201]);

    s2.proc.child.kill('SIGCONT');
    await py201.until((s) => s.connected_user_ids.includes(102), 'know 102 again', 5000);
    expect(sorted((await s1.state()).hosts.map((h) => h.id))).toEqual([2, 102, 201]);
  });

  it('crc-client --reconnect: its server restarts on the same port, and it registers again with the same id', async () => {
    const first = await ourServer(1, 'alpha', 'ours', undefined, HEARTBEATS);
    const c101 = await ourClient(101, 'frodo', first.port, 'frodo info', ['--reconnect']);
    first.proc.child.kill('SIGKILL');
    await ourLine(c101, '* disconnected: ');
    expect(c101.lines().find((l) => l.startsWith('* disconnected: '))).toMatch(/; reconnecting$/);
    const again = await ourServer(1, 'alpha', 'ours', undefined, [...HEARTBEATS, '--port', String(first.port)]);
    expect(again.port).toBe(first.port);
    await ourLine(c101, '* reconnected to ');
    const py202 = await pyClient(202, 'merry', again.port);
    await py202.until((s) => s.connected_user_ids.includes(101), 'hear of 101');
    await waitFor(async () => (await who(c101)).includes(202), 3000, 'frodo to know 202');
    expect(c101.exited).toBeUndefined();
  });
});
