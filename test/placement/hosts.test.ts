// The hosts placement: server threads spread over several node processes, each driven over
// one IPC channel. A tree converges across processes, a link fault between two processes cuts
// and heals, a thread crash inside a process is a crash like any other, and no process is
// left behind: not after stop, not when a process cannot start, not when the coordinator dies.
import { execFileSync, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { HostServers, checkHostCount } from '../../src/placement/hosts.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { waitFor } from '../net/helpers.ts';
import { alive } from './pid.ts';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => {});
});

/** The pids of this process's children running host-main (the node processes). */
function hostChildren(parent = process.pid): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent), '-f', 'host-main'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const serversOf = (sim: Simulation) => (sim as unknown as { net: { world: { servers: HostServers } } }).net.world.servers;

describe('Simulation with placement hosts', () => {
  it('tree:30 on 3 processes converges; a cut link between two processes is forgotten and heals; stop ends them all', async () => {
    const topology = resolveTopology('tree:30');
    const sim = await Simulation.start({ topology, placement: 'hosts', hosts: 3, serversPerWorker: 4, knowledge: 'digest', proxyLinks: 'all' });
    stops.push(() => sim.stop());
    await sim.converged({ timeoutMs: 30_000 });
    const pids = hostChildren();
    expect(pids).toHaveLength(3);
    expect(sim.workers.filter((w) => w.kind === 'servers')).toHaveLength(0);
    // Every process hosts some of the 30 servers, in threads of its own, and says what it holds.
    const hosts = await sim.memory().then((m) => m.hosts!);
    expect(hosts.map((h) => h.label).sort()).toEqual(['host-1', 'host-2', 'host-3']);
    expect(hosts.reduce((a, h) => a + h.threads, 0)).toBe(Math.ceil(30 / 4));
    for (const h of hosts) expect(h.fds).toBeGreaterThan(10);

    // A link whose child and parent sit in different processes.
    const servers = serversOf(sim);
    const cross = topology.servers.find((s) => s.join !== undefined && servers.processOf(s.name) !== servers.processOf(topology.servers.find((p) => p.id === s.join)!.name))!;
    expect(cross).toBeDefined();
    const link = sim.link(cross.id, cross.join!);
    await link.down('both', 'reset');
    await sim.forgotten(cross.id, { by: [cross.join!], timeoutMs: 20_000 });
    await link.up('both');
    await sim.converged({ timeoutMs: 30_000 });

    await sim.stop();
    await waitFor(() => pids.every((p) => !alive(p)), 20_000, 'every node process gone after stop');
  }, 120_000);

  it('a crash ends one thread in its process (its servers only); a restart joins again', async () => {
    const sim = await Simulation.start({ topology: resolveTopology('tree:12'), placement: 'hosts', hosts: 2, serversPerWorker: 3 });
    stops.push(() => sim.stop());
    await sim.converged({ timeoutMs: 30_000 });
    const down = await sim.crash(5);
    expect(down.length).toBeGreaterThanOrEqual(1);
    expect(down.length).toBeLessThanOrEqual(3);
    for (const id of down) await sim.forgotten(id, { timeoutMs: 20_000 });
    for (const id of down) await sim.restart(id);
    await sim.converged({ timeoutMs: 30_000 });
    expect(hostChildren()).toHaveLength(2);
  }, 120_000);
});

describe('HostServers: errors and orphans', () => {
  it('a process that cannot start fails the call with its stderr, and none is left', async () => {
    const servers = new HostServers({}, { processes: 2, serversPerWorker: 1, nodeArgs: ['--no-such-node-flag'] });
    stops.push(() => servers.stop());
    await expect(servers.start({ id: 1, name: 's1', info: 'x' }, { ownWorker: false })).rejects.toThrow(/host-1 exited with code \d+.*no-such-node-flag/s);
    await servers.stop();
    expect(hostChildren()).toEqual([]);
  }, 30_000);

  it('checks the process count, naming the flag', () => {
    expect(() => checkHostCount(0, '--hosts')).toThrow(/--hosts: expected a whole number of node processes from 1 to 64, got 0/);
    expect(() => checkHostCount(2.5)).toThrow(/hosts: /);
    expect(checkHostCount(3)).toBe(3);
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('a coordinator ended by %s takes its node processes with it', async (signal) => {
    const code = `
      const { HostServers } = await import(${JSON.stringify(new URL('../../dist/src/placement/hosts.js', import.meta.url).href)});
      const s = new HostServers({}, { processes: 2, serversPerWorker: 1 });
      await s.start({ id: 1, name: 's1', info: 'x' }, { ownWorker: false });
      await s.start({ id: 2, name: 's2', info: 'x' }, { ownWorker: false });
      console.log('pids ' + s.processes.map((p) => p.pid).join(','));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    stops.push(async () => child.kill('SIGKILL'));
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = out.match(/pids ([\d,]+)/);
        if (m) resolve(m[1]!.split(',').map(Number));
      });
      child.once('exit', (c) => reject(new Error(`coordinator exited ${c}: ${out}`)));
    });
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    child.kill(signal);
    await waitFor(() => pids.every((p) => !alive(p)), 15_000, `node processes gone after the coordinator's ${signal}`);
  }, 30_000);
});
