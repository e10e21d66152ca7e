// crc-server as a process (the built JS): usage errors, port 0, joining, monitor, SIGTERM.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MessageType } from '../../src/protocol/index.ts';
import { RawPeer, waitFor } from '../net/helpers.ts';
import { killAll, requireBuild, run, startServer } from './helpers.ts';

beforeAll(requireBuild);
afterEach(killAll);

const GOOD = ['--id', '1', '--servername', 'alpha', '--port', '0', '--info', 'first'];
function without(flag: string): string[] {
  const i = GOOD.indexOf(flag);
  return [...GOOD.slice(0, i), ...GOOD.slice(i + 2)];
}
function replace(flag: string, value: string): string[] {
  const out = [...GOOD];
  out[out.indexOf(flag) + 1] = value;
  return out;
}

describe('crc-server usage errors', () => {
  it.each([
    { what: 'a non-numeric id', args: replace('--id', 'abc'), names: '--id' },
    { what: 'id 0', args: replace('--id', '0'), names: '--id' },
    { what: 'a missing --servername', args: without('--servername'), names: '--servername' },
    { what: 'an unknown flag', args: [...GOOD, '--bogus', 'x'], names: '--bogus' },
    { what: 'a port out of range', args: replace('--port', '70000'), names: '--port' },
    { what: 'a zero --max-hosts', args: [...GOOD, '--max-hosts', '0'], names: '--max-hosts must be an integer' },
    { what: 'a non-numeric --status-log-size', args: [...GOOD, '--status-log-size', 'lots'], names: '--status-log-size must be an integer' },
  ])('$what: exit 2, error naming $names, usage', async ({ args, names }) => {
    const p = run('crc-server', args);
    const exit = await p.exitWithin();
    expect(exit, p.stderr).toEqual({ code: 2, signal: null });
    expect(p.stderr.startsWith('error:'), p.stderr).toBe(true);
    const firstLine = p.stderr.split('\n')[0]!;
    expect(firstLine).toContain(names);
    expect(p.stderr).toContain('usage: crc-server --id N --servername S --port P --info I');
    expect(p.stdout).not.toMatch(/listening/);
  });
});

describe('crc-server processes', () => {
  it('listens on port 0, a second server joins it, the monitor shows both, SIGTERM exits 0', async () => {
    const first = await startServer(['--id', '1', '--servername', 'alpha', '--info', 'first', '--monitor-port', '0'], 'alpha');
    console.info(`crc-server: ${first.ms} ms from spawn to 'listening' (information only)`);
    expect(first.proc.stdout).toMatch(/^crc-server 1 alpha listening on 127\.0\.0\.1:\d+\n/);
    expect(first.port).toBeGreaterThan(0);
    const firstMonitor = (await first.proc.out(/monitor on (http:\/\/127\.0\.0\.1:\d+)\/state/))[1]!;

    const second = await startServer(['--id', '2', '--servername', 'beta', '--info', 'second',
      '--connect_to_host', '127.0.0.1', '--connect_to_port', String(first.port), '--monitor-port', '0'], 'beta');
    console.info(`crc-server (joining): ${second.ms} ms from spawn to 'listening' (information only)`);
    const monitor = (await second.proc.out(/monitor on (http:\/\/127\.0\.0\.1:\d+)\/state and \/metrics/))[1]!;

    type State = { id: number; name: string; hosts: Array<{ id: number; kind: string; name: string; info: string; firstLinkId: number }>; adjacentServerIds: number[] };
    const get = async (base: string): Promise<State> => (await (await fetch(`${base}/state`)).json()) as State;
    const seen = await waitFor(async () => {
      const s = await get(monitor);
      return s.hosts.some((h) => h.id === 1) ? s : undefined;
    }, 5000, 'beta /state to show alpha');
    expect(seen.id).toBe(2);
    expect(seen.name).toBe('beta');
    expect(seen.hosts).toEqual([{ id: 1, kind: 'server', name: 'alpha', info: 'first', firstLinkId: 1 }]);
    expect(seen.adjacentServerIds).toEqual([1]);
    await waitFor(async () => (await get(firstMonitor)).adjacentServerIds.includes(2), 5000, 'alpha /state to show beta');

    second.proc.child.kill('SIGTERM');
    expect(await second.proc.exitWithin()).toEqual({ code: 0, signal: null });
    // alpha notices the link is gone.
    await waitFor(async () => (await get(firstMonitor)).hosts.length === 0, 5000, 'alpha to forget beta');
    first.proc.child.kill('SIGTERM');
    expect(await first.proc.exitWithin()).toEqual({ code: 0, signal: null });
  });
});

describe('crc-server as a course drop-in', () => {
  it('--connect_to_host with a server name joins at 127.0.0.1; --static-tree and the limit flags take effect', async () => {
    const shire = await startServer(['--id', '1', '--servername', 'theshire', '--info', 'x', '--static-tree',
      '--max-hosts', '5000', '--status-log-size', '10', '--monitor-port', '0'], 'theshire');
    const monitor = (await shire.proc.out(/monitor on (http:\/\/127\.0\.0\.1:\d+)\/state/))[1]!;
    const rivendale = await startServer(['--id', '2', '--servername', 'rivendale', '--info', 'y',
      '--connect_to_host', 'theshire', '--connect_to_port', String(shire.port)], 'rivendale');
    expect(rivendale.proc.stderr.match(/host 'theshire' does not resolve: dialling 127\.0\.0\.1/g), rivendale.proc.stderr).toHaveLength(1);
    type State = { hosts: Array<{ id: number }> };
    const hosts = async () => ((await (await fetch(`${monitor}/state`)).json()) as State).hosts.map((h) => h.id);
    await waitFor(async () => (await hosts()).includes(2), 5000, 'theshire to learn rivendale');
    const metrics = await (await fetch(`${monitor}/metrics`)).text();
    expect(metrics).toContain('crc_max_hosts{server_id="1"} 5000');
    expect(metrics).toContain('crc_status_log_size{server_id="1"} 10');
    expect(shire.proc.stderr).toContain('limits: 5000 hosts, 10 status log entries; static tree (course-reference mode)');

    // The course harness stops servers one at a time: with --static-tree theshire keeps rivendale.
    rivendale.proc.child.kill('SIGTERM');
    expect(await rivendale.proc.exitWithin()).toEqual({ code: 0, signal: null });
    await waitFor(() => /\(server 2\) closed/.test(shire.proc.stderr), 5000, 'theshire to see the link close');
    expect(await hosts()).toEqual([2]);
  });
});

describe('crc-server POST /stop', () => {
  it('is graceful: the adjacent servers get a client quit for each of its clients and a server quit for it, then the close', async () => {
    const alpha = await startServer(['--id', '1', '--servername', 'alpha', '--info', 'x', '--monitor-port', '0'], 'alpha');
    const monitor = (await alpha.proc.out(/monitor on (http:\/\/127\.0\.0\.1:\d+)\/state/))[1]!;
    const peer = await RawPeer.connect(alpha.port); // an adjacent server, by hand
    const client = await RawPeer.connect(alpha.port);
    try {
      peer.write({ type: MessageType.ServerRegistration, sourceId: 9, lastHopId: 0, name: 'nine', info: '' });
      client.write({ type: MessageType.ClientRegistration, sourceId: 101, lastHopId: 0, name: 'c', info: '' });
      await waitFor(() => peer.messages.some((m) => m.type === MessageType.ClientRegistration && m.sourceId === 101), 5000, 'server 9 to hear of client 101');
      const res = await fetch(`${monitor}/stop`, { method: 'POST' });
      expect(res.status).toBe(202);
      expect(await alpha.proc.exitWithin()).toEqual({ code: 0, signal: null });
      await waitFor(() => peer.closed, 5000, 'server 9\'s link closed');
      const after = peer.messages.filter((m) => m.type === MessageType.ClientQuit || m.type === MessageType.ServerQuit);
      expect(after.map((m) => [m.type, m.sourceId])).toEqual([[MessageType.ClientQuit, 101], [MessageType.ServerQuit, 1]]);
    } finally {
      peer.destroy();
      client.destroy();
    }
  });
});
