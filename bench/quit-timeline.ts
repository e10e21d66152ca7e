// Where a quit's convergence time goes: client 108 (on barad-dur) quits on middle-earth, and
// every node's host-forgotten stamp (taken in the thread where it happened) is printed against
// the quit's send time, in order, so each hop's cost shows. Usage:
//   node dist/bench/quit-timeline.js [--servers-per-worker K] [--repeats R]
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { Simulation } from '../src/coordinator/simulation.ts';
import type { SimEvent } from '../src/threads/worker-api.ts';
import { resolveTopology } from '../src/topology/generate.ts';
import { samplePercentiles } from './phases/common.ts';

const QUITTER = 108;

await runMain('usage: node dist/bench/quit-timeline.js [--servers-per-worker K] [--repeats R]\n', async () => {
  const { values } = parseFlags(process.argv.slice(2), { 'servers-per-worker': { type: 'string' }, repeats: { type: 'string' } });
  const k = intFlag(values, 'servers-per-worker', 1, 1000, 1);
  const repeats = intFlag(values, 'repeats', 1, 10_000, 15);
  const topology = resolveTopology('middle-earth');
  const seen: SimEvent[] = [];
  const sim = await Simulation.start({
    topology, serversPerWorker: k,
    onEvent: (e) => { if (e.type === 'host-forgotten' && e.id === QUITTER) seen.push(e); },
  });
  try {
    await sim.converged({ timeoutMs: 20_000 });
    const spec = topology.clients.find((c) => c.id === QUITTER)!;
    const totals: number[] = [];
    for (let i = 0; i < repeats; i++) {
      seen.length = 0;
      const sentAt = await sim.quit(QUITTER, 'timeline');
      const { at } = await sim.forgotten(QUITTER, { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 10)); // the last event batches
      totals.push(at - sentAt);
      const line = [...seen].sort((a, b) => a.t - b.t).map((e) => `${e.node}@${(e.t - sentAt).toFixed(2)}`).join(' ');
      process.stdout.write(`#${i + 1} ${(at - sentAt).toFixed(2)} ms: ${line}\n`);
      await sim.addClient(spec);
      await sim.known(QUITTER, { timeoutMs: 10_000 });
      await sim.converged({ timeoutMs: 10_000 });
    }
    const p = samplePercentiles(totals);
    process.stdout.write(`servers per worker ${k}: median ${p.p50.toFixed(2)} ms, p90 ${p.p90.toFixed(2)} ms, max ${p.max.toFixed(2)} ms\n`);
  } finally {
    await sim.stop();
  }
});
