// npm start: run a CRC network with every server in a worker thread and keep it running until
// q or Ctrl-C. In a terminal: a live dashboard (ui/dashboard/) with every server link through
// a fault proxy, keys to push load and break things, and a recorder for experiments. Without
// a terminal (or with CI=true, --plain or --once): the summary once converged, then one plain
// status line a second and a final summary.
import '../ui/dashboard/production.ts'; // first: before react is loaded
import { Simulation } from '../coordinator/simulation.ts';
import { TOPOLOGY_SPECS, resolveTopology } from '../topology/generate.ts';
import type { Topology } from '../topology/schema.ts';
import { Dashboard } from '../ui/dashboard/app.tsx';
import { LiveLoop } from '../ui/dashboard/live.ts';
import { BackgroundLoad, loadFlows } from '../ui/dashboard/load.ts';
import { SimReader } from '../ui/dashboard/reader.ts';
import { DashboardState } from '../ui/dashboard/state.ts';
import { PlainReporter, type SimReporter } from '../ui/reporter.ts';
import { nowMs } from '../util/clock.ts';
import { withImpl } from '../topology/impl.ts';
import { implLabel, observedOf } from '../topology/impl-spec.ts';
import { IMPL_FLAG_OPTIONS, IMPL_USAGE, UsageError, choiceFlag, implFlags, intFlag, livenessFlags, parseFlags, runMain } from './args.ts';

const USAGE = `usage: npm start -- [--topology SPEC] [--servers-per-worker K] [--placement workers|processes] [--clients N] [--once] [--plain]
                    [--direct] [--seed S] [--load] [--load-rate R] [--load-size B] [--latency-ms L] [--record-dir DIR]
                    [--ping-interval MS [--ping-timeout MS]] [--impl course:DIR|command:'...' [--impl-ids 2,4]]

  --topology SPEC          ${TOPOLOGY_SPECS}
                           (default: middle-earth, the course's 11 servers and 8 clients)
  --servers-per-worker K   servers hosted by each worker thread (default 1)
  --placement P            workers: servers in worker threads (default, or the topology file's);
                           processes: each server its own crc-server process, driven over HTTP
  --clients N              extra simulated clients, spread over the servers
  --timeout-ms T           give up if not converged after T ms (default 60000; plain mode)
  --once                   exit after the summary instead of running until Ctrl-C
  --plain                  plain lines even in a terminal (the default without one, or with CI=true)
  --direct                 dashboard: no fault proxies on the server links (the fault keys then do nothing)
  --seed S                 seeds the proxies' toxics (jitter, toxicity), written into experiments (default 1)
  --load                   start with the background load on (t toggles it in the dashboard)
  --load-rate R            background load: chats/s on each flow (default 100)
  --load-size B            background load: bytes per chat (default 64)
  --latency-ms L           dashboard: latency that l adds to a link, ±10% jitter (default 50)
  --record-dir DIR         dashboard: where w writes experiments (default results/experiments)
  --ping-interval MS       liveness: ping a server link idle MS ms; 0 turns liveness off (default: the
                           topology's, else 250 ms, scaled up beyond 50 servers)
  --ping-timeout MS        liveness: a server link silent MS ms is dead (default 4 x the interval)
${IMPL_USAGE}`;

interface Run {
  spec: string;
  topology: Topology;
  k: number;
  placement: 'workers' | 'processes';
  seed: number;
  /** liveness from the flags (undefined: the topology's or the defaults; see livenessOf) */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  load: { on: boolean; rate: number; size: number };
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    topology: { type: 'string', default: 'middle-earth' },
    'servers-per-worker': { type: 'string' },
    placement: { type: 'string' },
    clients: { type: 'string' },
    'timeout-ms': { type: 'string' },
    once: { type: 'boolean' },
    plain: { type: 'boolean' },
    direct: { type: 'boolean' },
    seed: { type: 'string' },
    load: { type: 'boolean' },
    'load-rate': { type: 'string' },
    'load-size': { type: 'string' },
    'latency-ms': { type: 'string' },
    'record-dir': { type: 'string', default: 'results/experiments' },
    'ping-interval': { type: 'string' },
    'ping-timeout': { type: 'string' },
    ...IMPL_FLAG_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const extraClients = intFlag(values, 'clients', 0, 100_000, 0);
  const foreign = implFlags(values);
  const plain = resolveTopology(values.topology!, { clients: extraClients });
  const topology = foreign ? withImpl(plain, foreign.impl, foreign.ids) : plain;
  const placement = choiceFlag(values, 'placement', ['workers', 'processes'] as const) ?? topology.placement ?? 'workers';
  if (placement === 'sim') throw new UsageError('npm start runs on real ports: placement sim is for npm run experiment');
  if (placement === 'external') throw new UsageError('npm start runs its own servers: placement external is for npm run experiment --endpoints FILE');
  const run: Run = {
    spec: values.topology!,
    topology,
    placement,
    k: intFlag(values, 'servers-per-worker', 1, 100_000, 1),
    seed: intFlag(values, 'seed', 0, 0xffff_ffff, 1),
    ...simLivenessFlags(values),
    load: { on: values.load ?? false, rate: intFlag(values, 'load-rate', 1, 100_000, 100), size: intFlag(values, 'load-size', 1, 65_536, 64) },
  };
  const reporter: SimReporter = new PlainReporter();
  const threads = Math.ceil(run.topology.servers.length / run.k);
  if (threads > 100) {
    // Each worker thread costs ~15-20 MiB and a share of 2 cores; say so before it hurts.
    reporter.info(`note: ${run.topology.servers.length} servers at ${run.k} per worker is ${threads} worker threads (~${Math.round(threads * 17)} MiB); --servers-per-worker ${Math.ceil(run.topology.servers.length / 20)} would use 20`);
  }
  const terminal = process.stdout.isTTY === true && process.stdin.isTTY === true && process.env.CI !== 'true';
  if (terminal && !values.once && !values.plain) {
    const latencyMs = intFlag(values, 'latency-ms', 0, 60_000, 50);
    // With extra clients the spec alone does not name the topology: write it out whole.
    const written = extraClients || foreign ? run.topology : run.spec;
    await runDashboard(run, reporter, { proxied: !values.direct, latencyMs, recordDir: values['record-dir']!, written });
  } else {
    await runPlain(run, reporter, { once: values.once ?? false, timeoutMs: intFlag(values, 'timeout-ms', 1, 3_600_000, 60_000) });
  }
});

async function runPlain(run: Run, reporter: SimReporter, o: { once: boolean; timeoutMs: number }): Promise<void> {
  const t0 = performance.now();
  const state = new DashboardState(run.topology, { startedAt: nowMs(), seed: run.seed, proxied: false });
  const sim = await Simulation.start({
    topology: run.topology,
    serversPerWorker: run.k,
    placement: run.placement,
    seed: run.seed,
    pingIntervalMs: run.pingIntervalMs,
    pingTimeoutMs: run.pingTimeoutMs,
    onEvent: (e) => state.simEvent(e),
    onProgress: (phase, done, total) => reporter.progress(phase, done, total),
    onCrash: (m) => reporter.crash(m),
  });
  const load = new BackgroundLoad(sim, loadFlows(run.topology), run.load.rate, run.load.size);
  const loop = new LiveLoop(state, (s) => reporter.status(s), {
    frameMs: 1000,
    onSample: () => state.setLoad({ on: load.on, flows: load.flows.length, rate: load.rate, sent: load.sent }),
  });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    reporter.info(`${why}: stopping ${sim.workers.length} workers…`);
    await load.stop();
    const last = loop.stop();
    await sim.stop();
    if (!o.once) reporter.final(last);
    reporter.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await sim.converged({ timeoutMs: o.timeoutMs });
  const convergeMs = performance.now() - t0;
  const mem = await sim.memory();
  reporter.summary({
    topology: run.topology.name,
    servers: sim.serverCount,
    clients: sim.clientCount,
    serverWorkers: sim.workers.filter((w) => w.kind === 'servers').length,
    clientWorkers: sim.workers.filter((w) => w.kind === 'clients').length,
    serversPerWorker: run.k,
    startMs: sim.timings.startMs,
    convergeMs,
    rssBytes: mem.rss,
    ports: run.topology.servers.slice(0, 12).map((s) => ({ id: s.id, name: s.name, port: sim.port(s.id), ...(s.impl ? { impl: `${implLabel(s.impl)} (observed: ${observedOf(s.impl)})` } : {}) })),
  });
  if (o.once) return stop('--once');
  reporter.info('running; Ctrl-C stops every worker cleanly');
  loop.attach(new SimReader(sim, state));
  loop.start();
  if (run.load.on) {
    load.start();
    reporter.info(`background load: ${run.load.rate} chats/s of ${run.load.size} B on each of ${load.flows.map((f) => `${f.from}->${f.to}`).join(', ')}`);
  }
  await new Promise(() => {}); // until a signal
}

async function runDashboard(run: Run, reporter: SimReporter, o: { proxied: boolean; latencyMs: number; recordDir: string; written: string | Topology }): Promise<void> {
  let quitting = false;
  const dash = new Dashboard({
    topology: run.topology, topologySpec: o.written, seed: run.seed, serversPerWorker: run.k, proxied: o.proxied,
    loadRate: run.load.rate, loadSize: run.load.size, latencyMs: o.latencyMs, jitterMs: Math.round(o.latencyMs / 10),
    recordDir: o.recordDir, onQuit: () => void quit(),
  });
  const starting = Simulation.start({
    topology: run.topology,
    serversPerWorker: run.k,
    placement: run.placement,
    seed: run.seed,
    pingIntervalMs: run.pingIntervalMs,
    pingTimeoutMs: run.pingTimeoutMs,
    proxyLinks: o.proxied ? 'all' : undefined,
    onEvent: (e) => dash.state.simEvent(e),
    onProxyEvent: (e) => dash.state.proxyEvent(e),
    onProgress: (phase, done, total) => dash.state.progress(phase, done, total),
    onCrash: (m) => dash.state.note(nowMs(), 'error', `a worker died: ${m}`),
  });
  const quit = async () => {
    if (quitting) return;
    quitting = true;
    const last = await dash.close();
    const sim = await starting.catch(() => undefined);
    reporter.info(`stopping ${sim?.workers.length ?? 0} workers…`);
    await sim?.stop();
    reporter.final(last);
    process.exit(0);
  };
  process.once('SIGINT', () => void quit());
  process.once('SIGTERM', () => void quit());

  let sim: Simulation;
  try {
    sim = await starting;
  } catch (err) {
    await dash.close();
    throw err;
  }
  if (quitting) return;
  const controller = dash.attach(sim);
  const workers = sim.workers.filter((w) => w.kind === 'servers').length;
  const root = run.topology.servers[0]!;
  dash.state.note(nowMs(), 'info', `up in ${sim.timings.startMs.toFixed(0)} ms: ${sim.serverCount} servers in ${workers} worker threads; ${o.proxied ? 'server links through fault proxies' : 'direct links'}`);
  dash.state.note(nowMs(), 'info', `attach a client: ./bin/crc-client --id 999 --serverhost 127.0.0.1 --serverport ${sim.port(root.id)} --username you --info hi`);
  if (run.load.on) controller.press('t');
  await new Promise(() => {}); // until q, Ctrl-C or a signal
}

/** The liveness flags, if given (else the topology's or the defaults: livenessOf). */
function simLivenessFlags(values: Record<string, unknown>): { pingIntervalMs?: number; pingTimeoutMs?: number } {
  if (values['ping-interval'] === undefined && values['ping-timeout'] === undefined) return {};
  const { intervalMs, timeoutMs } = livenessFlags(values);
  return { pingIntervalMs: intervalMs, pingTimeoutMs: timeoutMs };
}
