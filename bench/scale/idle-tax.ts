// The CPU a converged network spends per second doing nothing (lateness probes, sweeps, pings):
// a tax on every wall-clock second of a scale run, paid whether the join flood progresses or
// not. tree:N over K node processes (--placement hosts), converged, then 10 s left alone, then
// 20 s measured (CPU of every node process, from sim.memory()).
// Usage: node --expose-gc dist/bench/scale/idle-tax.js N [K]
import { Simulation } from '../../src/coordinator/simulation.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { placement } from '../phases/scale.ts';

const n = Number(process.argv[2] ?? 500);
const hosts = Number(process.argv[3] ?? 3);
if (!Number.isInteger(n) || n < 2) throw new Error(`N: expected a server count of at least 2, got '${process.argv[2]}'`);
if (!Number.isInteger(hosts) || hosts < 1) throw new Error(`K: expected a number of node processes, got '${process.argv[3]}'`);

const sim = await Simulation.start({ topology: resolveTopology(`tree:${n}:7`), serversPerWorker: placement(n), knowledge: 'digest', placement: 'hosts', hosts });
try {
  await sim.converged({ timeoutMs: 900_000 });
  const hostCpuMs = async () => ((await sim.memory()).hosts ?? []).reduce((a, h) => a + h.cpuMs, 0);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(10_000);
  const before = await hostCpuMs();
  await sleep(20_000);
  const perSecond = ((await hostCpuMs()) - before) / 20;
  process.stdout.write(JSON.stringify({ servers: n, hosts, threads: Math.ceil(n / placement(n)), idleCpuMsPerSecond: Math.round(perSecond) }) + '\n');
} finally {
  await sim.stop();
}
process.exit(0);
