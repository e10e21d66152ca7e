// The coordinator on real worker threads and sockets: convergence, forgetting, crash
// reports, and topology validation.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConvergenceTimeout, Simulation } from '../../src/coordinator/simulation.ts';
import { diameter, resolveTopology } from '../../src/topology/generate.ts';
import { TopologyError, loadTopologyFile } from '../../src/topology/schema.ts';

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('Simulation (servers in worker threads)', () => {
  it('middle-earth converges, one worker per server, with every state matching', async () => {
    sim = await Simulation.start({ topology: resolveTopology('middle-earth') });
    expect(sim.workers.filter((w) => w.label.startsWith('servers-'))).toHaveLength(11);
    const c = await sim.converged({ timeoutMs: 15_000 });
    expect(c.at).toBeGreaterThan(0);
    // The event-built model agrees with the servers' own tables.
    const rivendale = await sim.serverState(2);
    expect(rivendale.hosts.map((h) => h.id).sort((a, b) => a - b)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 101, 102, 103, 104, 105, 106, 107, 108]);
    expect(rivendale.adjacentServerIds.sort((a, b) => a - b)).toEqual([1, 4, 5, 8]);
    expect(rivendale.adjacentUserIds).toEqual([103]);
    const sauron = await sim.clientState(108);
    expect(sauron.connectedUserIds.sort((a, b) => a - b)).toEqual([101, 102, 103, 104, 105, 106, 107]);
  });

  it('forgotten() resolves when every node has forgotten a quitting client, with the last time', async () => {
    sim = await Simulation.start({ topology: resolveTopology('middle-earth') });
    await sim.converged();
    const before = performance.timeOrigin + performance.now();
    await sim.quit(108, 'Tower collapsing, brb');
    const f = await sim.forgotten(108, { timeoutMs: 5000 });
    expect(f.at).toBeGreaterThan(before);
    for (const id of [1, 2, 7, 11]) expect((await sim.serverState(id)).hosts.some((h) => h.id === 108)).toBe(false);
    expect((await sim.clientState(101)).connectedUserIds).not.toContain(108);
    // The network is converged again without the client.
    await sim.converged({ timeoutMs: 5000 });
  });

  it('a generated 100-server tree converges (10 servers per worker)', async () => {
    const topology = resolveTopology('tree:100:7', { clients: 20 });
    sim = await Simulation.start({ topology, serversPerWorker: 10 });
    expect(sim.workers.filter((w) => w.label.startsWith('servers-'))).toHaveLength(10);
    await sim.converged({ timeoutMs: 20_000 });
    expect(sim.serverCount).toBe(100);
    expect(sim.clientCount).toBe(20);
    const s50 = await sim.serverState(50);
    expect(s50.hosts).toHaveLength(119);
  });

  it('converged() times out with a per-host diff when the network cannot converge', async () => {
    // No reconnects: s3 would re-dial s2 and the network converge after all.
    sim = await Simulation.start({ topology: resolveTopology('chain:3'), reconnect: false });
    await sim.converged();
    // Cut s2-s3 behind the coordinator's back: the model still expects s3.
    await sim.workers[1]!.call('cut', (api) => api.cutLink('s2', 3));
    await sim.forgotten(3, { timeoutMs: 5000 }).catch(() => {});
    const err = await sim.converged({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvergenceTimeout);
    expect((err as ConvergenceTimeout).message).toMatch(/s1 \(1\): missing \[3\]/);
    expect((err as ConvergenceTimeout).diff.length).toBeGreaterThan(0);
  });

  it('a worker that crashes is reported by name within a second, and waits fail at once', async () => {
    const crashes: Array<{ message: string; at: number }> = [];
    let reported!: () => void;
    const firstCrash = new Promise<void>((r) => { reported = r; });
    sim = await Simulation.start({
      topology: resolveTopology('chain:3'),
      onCrash: (message) => {
        crashes.push({ message, at: performance.now() });
        reported();
      },
    });
    await sim.converged();
    const waiting = sim.forgotten(1, { timeoutMs: 10_000 }).catch((e: Error) => e);
    const t0 = performance.now();
    await sim.workers[1]!.api.crashForTest('boom in s2');
    await firstCrash;
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.at - t0).toBeLessThan(1000);
    expect(crashes[0]!.message).toMatch(/worker servers-2 \(s2\) crashed: boom in s2/);
    expect(String(await waiting)).toMatch(/s2/);
    // Calls to the dead worker fail with the same clear error instead of hanging.
    await expect(sim.serverState(2)).rejects.toThrow(/s2/);
  });
});

describe('topologies as data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crc-topo-'));
  const write = (name: string, doc: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };

  it('middle-earth is the course topology', () => {
    const t = resolveTopology('middle-earth');
    expect(t.servers.map((s) => [s.id, s.join ?? 0])).toEqual([[1, 0], [2, 1], [3, 1], [4, 2], [5, 2], [6, 4], [7, 4], [8, 2], [9, 6], [10, 7], [11, 7]]);
    expect(t.clients.map((c) => [c.id, c.server])).toEqual([[101, 1], [102, 1], [103, 2], [104, 3], [105, 7], [106, 6], [107, 5], [108, 11]]);
    expect(diameter(t).hops).toBe(5); // isengard-edoras-lothlorien-rivendale-theshire-grey_havens
  });

  it('a bad topology file names the file and the field', () => {
    const bad = write('bad.json', { name: 'x', servers: [{ id: 1, name: 'a', info: '' }, { id: 2, name: 'b', info: '', join: 9 }] });
    expect(() => loadTopologyFile(bad)).toThrow(TopologyError);
    expect(() => loadTopologyFile(bad)).toThrow(/bad\.json: servers\.1\.join: no server with id 9/);
    const typo = write('typo.json', { name: 'x', servers: [{ id: 'one', name: 'a', info: '' }] });
    expect(() => loadTopologyFile(typo)).toThrow(/typo\.json: servers\.0\.id: .*expected number/);
    const dup = write('dup.json', { name: 'x', servers: [{ id: 1, name: 'a', info: '' }], clients: [{ id: 1, name: 'c', info: '', server: 1 }] });
    expect(() => loadTopologyFile(dup)).toThrow(/dup\.json: clients\.0\.id: id 1 is already used by server a/);
    expect(() => loadTopologyFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read: ENOENT/);
    expect(() => resolveTopology('tree:abc')).toThrow(/N must be a whole number/);
    expect(() => resolveTopology('ring:5')).toThrow(/unknown topology 'ring:5'/);
  });

  it('generators are deterministic for a seed and have the right shape', () => {
    const a = resolveTopology('tree:50:3');
    expect(resolveTopology('tree:50:3')).toEqual(a);
    expect(resolveTopology('tree:50:4')).not.toEqual(a);
    expect(diameter(resolveTopology('chain:10')).hops).toBe(9);
    expect(diameter(resolveTopology('star:10')).hops).toBe(2);
    const b = resolveTopology('balanced:3:2');
    expect(b.servers).toHaveLength(13);
    expect(diameter(b).hops).toBe(4);
    expect(resolveTopology('chain:3', { clients: 4 }).clients.map((c) => c.server)).toEqual([1, 2, 3, 1]);
  });
});
