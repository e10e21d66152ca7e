// The processes placement: each server a crc-server process driven over its control API.
// Ports read back from the process, events over /events stamped where they happened, crash
// as SIGKILL and restart on the same port, clear start-up errors with the stderr tail, an
// unasked death reported, and no orphans when the coordinator dies.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { HostedServerSpec, SimEvent } from '../../src/threads/worker-api.ts';
import { ProcessServers } from '../../src/placement/processes.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { waitFor } from '../net/helpers.ts';
import { alive } from './pid.ts';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => {});
});

const spec = (id: number, port?: number): HostedServerSpec => ({ id, name: `s${id}`, info: `server ${id}`, port });

function placement() {
  const events: SimEvent[] = [];
  const crashes: string[] = [];
  const servers = new ProcessServers({ onEvents: (e) => events.push(...e), onCrash: (err) => crashes.push(err.message) });
  stops.push(() => servers.stop());
  return { servers, events, crashes };
}

describe('ProcessServers', () => {
  it('starts crc-server processes on OS-picked ports, joins them, and streams their events stamped t and node', async () => {
    const { servers, events } = placement();
    const a = await servers.start(spec(1));
    const b = await servers.start(spec(2));
    expect(a.port).toBeGreaterThan(0);
    expect(b.port).not.toBe(a.port);
    const before = performance.timeOrigin + performance.now();
    await servers.join('s2', a, 5000);
    await waitFor(() => events.some((e) => e.type === 'host-learned' && e.node === 1 && e.id === 2), 10_000, 'server 1 learns server 2');
    const learned = events.find((e) => e.type === 'host-learned' && e.node === 1)!;
    expect(learned.t).toBeGreaterThan(before);
    expect((await servers.state('s1')).hosts.map((h) => h.id)).toEqual([2]);
    expect((await servers.totals()).bytesIn).toBeGreaterThan(0);
    expect(Object.keys(await servers.states()).sort()).toEqual(['s1', 's2']);
  }, 30_000);

  it('crash is a SIGKILL (not reported as a crash); a restart listens on the same port', async () => {
    const { servers, crashes } = placement();
    const a = await servers.start(spec(1));
    await servers.crash('s1');
    expect(servers.alive('s1')).toBe(false);
    await expect(servers.state('s1')).rejects.toThrow(/not running/);
    const again = await servers.start(spec(1, a.port));
    expect(again.port).toBe(a.port);
    expect(servers.alive('s1')).toBe(true);
    expect(crashes).toEqual([]);
  }, 30_000);

  it('a server that dies unasked is reported, named', async () => {
    const { servers, crashes } = placement();
    await servers.start(spec(3));
    // The control API's own crash: the process kills itself, which we did not ask for here.
    const base = (servers as unknown as { running: Map<string, { control: { base: string } }> }).running.get('s3')!.control.base;
    await fetch(new URL('/crash', base), { method: 'POST' });
    await waitFor(() => crashes.length === 1, 10_000, 'the crash report');
    expect(crashes[0]).toMatch(/crc-server process s3 \(3\) was killed by SIGKILL/);
  }, 30_000);

  it('a server that cannot start fails with its stderr in the error', async () => {
    const { servers } = placement();
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise((r) => busy.close(r)));
    const port = (busy.address() as net.AddressInfo).port;
    await expect(servers.start(spec(4, port))).rejects.toThrow(/exited with code 1 before it was ready; its stderr ends:\n.*address already in use/s);
  }, 30_000);

  it('stop() ends every process (POST /stop, exit 0)', async () => {
    const { servers } = placement();
    await servers.start(spec(5));
    const pid = (servers as unknown as { running: Map<string, { child: { process: { pid: number } } }> }).running.get('s5')!.child.process.pid;
    expect(alive(pid)).toBe(true);
    await servers.stop();
    expect(alive(pid)).toBe(false);
  }, 30_000);
});

describe('no orphans', () => {
  /** A coordinator in a child process that starts one server and prints its pid. */
  async function coordinator() {
    const code = `
      const { ProcessServers } = await import(${JSON.stringify(new URL('../../dist/src/placement/processes.js', import.meta.url).href)});
      const s = new ProcessServers({});
      await s.start({ id: 9, name: 's9', info: 'x' });
      console.log('pid ' + s.running.get('s9').child.process.pid);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    stops.push(async () => child.kill('SIGKILL'));
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = out.match(/pid (\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (c) => reject(new Error(`coordinator exited ${c}: ${out}`)));
    });
    return { child, pid };
  }

  it.each(['SIGTERM', 'SIGKILL'] as const)('a coordinator ended by %s takes its servers with it', async (signal) => {
    const { child, pid } = await coordinator();
    expect(alive(pid)).toBe(true);
    child.kill(signal);
    await waitFor(() => !alive(pid), 10_000, `crc-server ${pid} gone after the coordinator's ${signal}`);
  }, 30_000);
});

describe('Simulation with placement processes', () => {
  it('boots a proxied chain, converges, crashes and restarts a server, converges again', async () => {
    const sim = await Simulation.start({ topology: resolveTopology('chain:3'), placement: 'processes', proxyLinks: 'all' });
    stops.push(() => sim.stop());
    await sim.converged({ timeoutMs: 20_000 });
    expect(sim.workers.filter((w) => w.kind === 'servers')).toHaveLength(0);
    // The links run in a crc-proxy process of ours, driven over its HTTP API.
    expect(execFileSync('pgrep', ['-P', String(process.pid), '-f', 'crc-proxy'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
    expect((await sim.link(2, 1).stats()).connections.open).toBeGreaterThan(0);
    await sim.crash(2);
    await sim.forgotten(2, { timeoutMs: 20_000 });
    await sim.restart(2);
    await sim.converged({ timeoutMs: 20_000 });
    expect((await sim.serverState(2)).hosts.length).toBeGreaterThan(0);
    expect((await sim.counters(1)).msgsIn).toBeGreaterThan(0);
  }, 60_000);
});
