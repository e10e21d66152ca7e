// One scale measurement in a fresh process (so its memory is its own): start a topology in
// workers, wait for convergence, print one JSON line.
import { Simulation } from '../src/coordinator/simulation.ts';
import { diameter, resolveTopology } from '../src/topology/generate.ts';
import { intFlag, parseFlags } from '../src/cli/args.ts';

const { values } = parseFlags(process.argv.slice(2), {
  topology: { type: 'string' },
  k: { type: 'string' },
  'timeout-ms': { type: 'string' },
});
const topology = resolveTopology(values.topology ?? 'middle-earth');
const k = intFlag(values, 'k', 1, 100_000, 1);
const t0 = performance.now();
const sim = await Simulation.start({ topology, serversPerWorker: k });
const startMs = performance.now() - t0;
await sim.converged({ timeoutMs: intFlag(values, 'timeout-ms', 1, 3_600_000, 120_000) });
const convergeMs = performance.now() - t0;
const rss = process.memoryUsage().rss;
const maxRss = process.resourceUsage().maxRSS * 1024;
const serverWorkers = sim.workers.filter((w) => w.kind === 'servers').length;
await sim.stop();
process.stdout.write(JSON.stringify({
  topology: topology.name, servers: topology.servers.length, clients: topology.clients.length,
  diameter: diameter(topology).hops, serversPerWorker: k, serverWorkers,
  startMs, convergeMs, rssBytes: rss, maxRssBytes: maxRss,
}) + '\n');
process.exit(0);
