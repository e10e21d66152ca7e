// The runner must catch every kind of difference, and course files must be read the way the
// course harness reads them.
import { describe, expect, it } from 'vitest';
import { parseCfg, splitCommand } from '../../src/scenario/cfg.ts';
import { InProcessBackend } from '../../src/scenario/in-process.ts';
import { parseScenario, type Scenario } from '../../src/scenario/model.ts';
import { compare, runScenario } from '../../src/scenario/runner.ts';
import { launchedAdjacency } from '../../src/scenario/topology-of.ts';

const base = {
  name: 'mini',
  steps: [
    { server: 'a', id: 1, info: 'A' },
    { server: 'b', id: 2, info: 'B', join: 'a' },
    { client: 'x', id: 101, info: 'X', server: 'a' },
    { client: 'y', id: 102, info: 'Y', server: 'b' },
    { msg: 'x', to: 102, text: 'hi' },
  ],
  expect: {
    a: { hosts: [2, 101, 102], adjacentServers: [2], adjacentUsers: [101], statusLog: [] },
    y: { users: [101], chatLog: ['hi'], statusLog: ['Welcome to the Clemson Relay Chat network y'] },
  },
};

describe('scenario runner', () => {
  it('passes a correct expectation', async () => {
    const r = await runScenario(parseScenario(base, 'mini.json'), new InProcessBackend());
    expect(r.failures).toEqual([]);
  });

  it('reports missing and extra ids, wrong logs and wrong order, per host and field', async () => {
    const wrong = structuredClone(base) as typeof base & { expect: Record<string, Record<string, unknown>> };
    wrong.expect.a.hosts = [2, 101, 103];
    wrong.expect.y.chatLog = ['hello'];
    wrong.expect.y.statusLog = [];
    const r = await runScenario(parseScenario(wrong, 'mini.json'), new InProcessBackend());
    expect(r.passed).toBe(false);
    expect(r.failures).toHaveLength(3);
    expect(r.failures[0]).toMatch(/^a\.hosts: missing \[103\]; extra \[102\]/);
    expect(r.failures[1]).toMatch(/^y\.statusLog: expected \[\], got \["Welcome/);
    expect(r.failures[2]).toMatch(/^y\.chatLog: expected \["hello"\], got \["hi"\]/);
  });

  it('compares logs as ordered lists in our files and as multisets in course files', () => {
    const snap = { servers: {}, clients: { y: { users: [], statusLog: ['b', 'a'], chatLog: [] } } };
    const sc = (logOrder: 'sequence' | 'set'): Scenario => ({ name: 's', logOrder, steps: base.steps as Scenario['steps'], expect: { y: { statusLog: ['a', 'b'] } } });
    expect(compare(sc('sequence'), snap)).toHaveLength(1);
    expect(compare(sc('set'), snap)).toEqual([]);
    // the count check: a duplicate entry is a difference even as a set
    const dup = { servers: {}, clients: { y: { users: [], statusLog: ['a', 'b', 'b'], chatLog: [] } } };
    expect(compare(sc('set'), dup)[0]).toMatch(/extra \["b"\]/);
  });

  it('rejects a scenario whose steps name unknown hosts, with the field', () => {
    const bad = structuredClone(base);
    bad.steps[3] = { client: 'y', id: 102, info: 'Y', server: 'nowhere' };
    expect(() => parseScenario(bad, 'bad.json')).toThrow(/bad\.json: steps\.3\.server: no server named 'nowhere'/);
    expect(() => parseScenario({ ...base, steps: [{ server: 'a', id: -1, info: '' }] }, 'neg.json')).toThrow(/neg\.json: steps\.0\.id/);
  });
});

describe('course .cfg reader', () => {
  it('splits arguments keeping double quotes, as the course harness does', () => {
    expect(splitCommand('LAUNCHCLIENT --id 1 --info "Test info" --username a')).toEqual(['LAUNCHCLIENT', '--id', '1', '--info', '"Test info"', '--username', 'a']);
    expect(splitCommand('CLIENTCOMMAND --username e --command MESSAGE 201 "Testing 1 2 3"').slice(-3)).toEqual(['MESSAGE', '201', '"Testing 1 2 3"']);
  });

  const cfg = JSON.stringify({
    type: 'CRC_functionality',
    commands: [
      'LAUNCHSERVER --id 1 --servername s1 --port 40001 --info "One"',
      'WAIT 0.25',
      'LAUNCHSERVER --id 2 --servername s2 --port 40002 --info "Two" --connect_to_host misspelt --connect_to_port 40001',
      'LAUNCHCLIENT --id 101 --serverhost s2 --serverport 40002 --username u --info "i"',
      'CLIENTCOMMAND --username u --command MESSAGE 7 "hey there"',
      'CLIENTCOMMAND --username u --command QUIT "bye"',
      'KILL ALL',
    ],
    final_state: {
      s1: { hosts_db: [2], adjacent_server_ids: [2, 3, 4], adjacent_user_ids: [] },
      'nobody.nz': { hosts_db: [] },
      u: { status_updates_log: ['x'] },
    },
  });

  it('maps ports to servers, keeps quotes, ignores host names, skips unknown hosts, fixes adjacency', () => {
    const sc = parseCfg(cfg, 't.cfg');
    expect(sc.steps).toEqual([
      { server: 's1', id: 1, info: '"One"' },
      { server: 's2', id: 2, info: '"Two"', join: 's1' },
      { client: 'u', id: 101, info: '"i"', server: 's2' },
      { msg: 'u', to: 7, text: '"hey there"' },
      { quit: 'u', text: '"bye"' },
    ]);
    expect(sc.ports).toEqual({ s1: 40001, s2: 40002 });
    expect(sc.expect.s1).toEqual({ hosts: [2], adjacentServers: [2], adjacentUsers: [] });
    expect(sc.expect['nobody.nz']).toBeUndefined();
    expect(sc.notes!.join('\n')).toMatch(/nobody\.nz/);
    expect(sc.notes!.join('\n')).toMatch(/s1: file lists adjacent servers \[2,3,4\]/);
    expect(parseCfg(cfg, 't.cfg', { realWaits: true }).steps[1]).toEqual({ wait: 250 });
  });

  it('names the command when a .cfg is malformed', () => {
    const bad = JSON.stringify({ type: 'CRC_functionality', commands: ['LAUNCHCLIENT --id 1 --serverport 9 --username u --info i'], final_state: {} });
    expect(() => parseCfg(bad, 'b.cfg')).toThrow(/b\.cfg: commands\.0 .*no server was launched on port 9/);
  });

  it('derives adjacency from the launched topology, minus refused duplicates and quits', () => {
    const adj = launchedAdjacency([
      { server: 'a', id: 1, info: '' },
      { server: 'b', id: 2, info: '', join: 'a' },
      { server: 'dup', id: 2, info: '', join: 'a' },
      { client: 'c', id: 101, info: '', server: 'a' },
      { client: 'g', id: 101, info: '', server: 'b' },
      { client: 'd', id: 102, info: '', server: 'b' },
      { quit: 'd', text: '' },
    ]);
    expect(adj.servers.get('a')).toEqual([2]);
    expect(adj.servers.get('dup')).toEqual([]);
    expect(adj.users.get('a')).toEqual([101]);
    expect(adj.users.get('b')).toEqual([]);
  });
});
