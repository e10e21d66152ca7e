// npm start: run a CRC network with every server in a worker thread, wait for it to converge,
// print a summary, and keep it running until Ctrl-C.
import { Simulation } from '../coordinator/simulation.ts';
import { TOPOLOGY_SPECS, resolveTopology } from '../topology/generate.ts';
import { PlainReporter, type SimReporter } from '../ui/reporter.ts';
import { intFlag, parseFlags, runMain } from './args.ts';

const USAGE = `usage: npm start -- [--topology SPEC] [--servers-per-worker K] [--clients N] [--once]

  --topology SPEC          ${TOPOLOGY_SPECS}
                           (default: middle-earth, the course's 11 servers and 8 clients)
  --servers-per-worker K   servers hosted by each worker thread (default 1)
  --clients N              extra simulated clients, spread over the servers
  --timeout-ms T           give up if not converged after T ms (default 60000)
  --once                   exit after the summary instead of running until Ctrl-C
`;

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    topology: { type: 'string', default: 'middle-earth' },
    'servers-per-worker': { type: 'string' },
    clients: { type: 'string' },
    'timeout-ms': { type: 'string' },
    once: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const k = intFlag(values, 'servers-per-worker', 1, 100_000, 1);
  const extraClients = intFlag(values, 'clients', 0, 100_000, 0);
  const timeoutMs = intFlag(values, 'timeout-ms', 1, 3_600_000, 60_000);
  const topology = resolveTopology(values.topology!, { clients: extraClients });
  const reporter: SimReporter = new PlainReporter();
  const threads = Math.ceil(topology.servers.length / k);
  if (threads > 100) {
    // Each worker thread costs ~15-20 MiB and a share of 2 cores; say so before it hurts.
    reporter.info(`note: ${topology.servers.length} servers at ${k} per worker is ${threads} worker threads (~${Math.round(threads * 17)} MiB); --servers-per-worker ${Math.ceil(topology.servers.length / 20)} would use 20`);
  }

  const t0 = performance.now();
  const sim = await Simulation.start({
    topology,
    serversPerWorker: k,
    onProgress: (phase, done, total) => reporter.progress(phase, done, total),
    onCrash: (m) => reporter.crash(m),
  });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    reporter.info(`${why}: stopping ${sim.workers.length} workers…`);
    await sim.stop();
    reporter.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await sim.converged({ timeoutMs });
  const convergeMs = performance.now() - t0;
  const mem = await sim.memory();
  reporter.summary({
    topology: topology.name,
    servers: sim.serverCount,
    clients: sim.clientCount,
    serverWorkers: sim.workers.filter((w) => w.kind === 'servers').length,
    clientWorkers: sim.workers.filter((w) => w.kind === 'clients').length,
    serversPerWorker: k,
    startMs: sim.timings.startMs,
    convergeMs,
    rssBytes: mem.rss,
    ports: topology.servers.slice(0, 12).map((s) => ({ id: s.id, name: s.name, port: sim.port(s.id) })),
  });
  if (values.once) return stop('--once');
  reporter.info('running; Ctrl-C stops every worker cleanly');
  await new Promise(() => {}); // until a signal
});
