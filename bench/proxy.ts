// Link-proxy benchmark: what an empty proxy costs and how accurate injected latency is.
//   (a) added one-way delay: ping-pong of small messages direct vs through a proxy (RTT/2);
//   (b) throughput: 64-byte frames pipelined as fast as possible, direct vs through a proxy;
//   (c) injected latency accuracy at 1, 10 and 100 ms: measured one-way delay − configured;
//   (d) a 3-hop chain of our servers, 256 chats of 64 B in flight, links direct vs through empty
//       proxies in each placement (the throughput and per-hop latency goals);
//   (e) the pipe's CPU per byte (the proxy thread's own CPU time);
//   (f) injected latency as placed: a latency toxic on a link of our servers;
//   (g) crc-proxy against upstream toxiproxy, both processes driven by the same API calls, beside
//       the in-thread proxies (proxy/toxiproxy.ts; skipped, with the reason, without toxiproxy).
// In (a)-(c) and (e) the proxies run in a proxy-host worker thread; the clients and servers in
// this thread ((a) and (b) also with the proxy in this thread). (d) and (f) are Simulations.
// The measurements are in proxy/measure.ts, pipe-cpu.ts and crc-chain.ts, the report in
// proxy/report.ts and report-crc.ts. Writes <out>/proxy.json and <out>/proxy.md (a full run only).
//   node dist/bench/proxy.js [--seconds 3] [--pings 20000] [--samples 1000] [--rounds 5] [--chain-rounds 5] [--out results] [--phases a,b,c,d,e,f,g]
//                            [--cmp-rounds 3] [--cmp-pings 10000] [--profile-crc-proxy DIR] [--quick]
// --quick: a short smoke run (small counts, one round); it never writes results.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { intFlag, parseFlags } from '../src/cli/args.ts';
import { WorkerHandle } from '../src/threads/worker-handle.ts';
import { LinkProxy } from '../src/faults/proxy.ts';
import { parseToxicSpec } from '../src/faults/registry.ts';
import type { ProxyHostApi } from '../src/threads/worker-api.ts';
import { HOST, NO_QUANTILES, latencyErrors, listen, pingPong, startStamper, stream } from './proxy/measure.ts';
import { type AccuracyRow, type Round, renderProxyReport } from './proxy/report.ts';
import { startRelay } from './relay/chain.ts';
import { PROXY_PLACEMENTS, type ProxyPlacement } from '../src/placement/index.ts';
import { type ChainRound, type PlacedLatencyRow, crcChain, placedLatency } from './proxy/crc-chain.ts';
import { type PipeCpu, pipeCpu } from './proxy/pipe-cpu.ts';
import { type ProxyProcess, startCrcProxy, startToxiproxy, toxiproxyMissing } from './proxy/external-proxies.ts';
import { compareWithToxiproxy } from './proxy/toxiproxy.ts';
import type { ToxiproxyResults } from './proxy/report-toxiproxy.ts';

const argv = process.argv.slice(2);
const { values } = parseFlags(argv, {
  seconds: { type: 'string' },
  pings: { type: 'string' },
  samples: { type: 'string' },
  rounds: { type: 'string' },
  'chain-rounds': { type: 'string' },
  out: { type: 'string', default: 'results' },
  /** a subset of a,b,c,d,e,f,g to run (a partial run prints but does not write results) */
  phases: { type: 'string', default: 'a,b,c,d,e,f,g' },
  'cmp-rounds': { type: 'string' },
  'cmp-pings': { type: 'string' },
  /** (g): run crc-proxy under node --cpu-prof, profiles written to this folder */
  'profile-crc-proxy': { type: 'string' },
  /** a short smoke run: small counts, one round, nothing written */
  quick: { type: 'boolean' },
});
const QUICK = values.quick === true;
const PHASES = new Set(values.phases!.split(','));
const SECONDS = intFlag(values, 'seconds', 1, 600, QUICK ? 1 : 3);
const PINGS = intFlag(values, 'pings', 100, 10_000_000, QUICK ? 2000 : 20_000);
const SAMPLES = intFlag(values, 'samples', 100, 1_000_000, QUICK ? 100 : 1000);
const ROUNDS = intFlag(values, 'rounds', 1, 100, QUICK ? 1 : 5);
const CHAIN_ROUNDS = intFlag(values, 'chain-rounds', 1, 100, QUICK ? 1 : 5);
const CMP_ROUNDS = intFlag(values, 'cmp-rounds', 1, 100, QUICK ? 1 : 3);
const CMP_PINGS = intFlag(values, 'cmp-pings', 100, 10_000_000, QUICK ? 1000 : 10_000);
const OUT = values.out!;
const ALL = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const bad = [...PHASES].filter((p) => !ALL.includes(p));
if (bad.length) throw new Error(`--phases: unknown phase ${bad.join(', ')} (have ${ALL.join(', ')})`);

// ---- setup: targets, proxies, the stamper, the reference relay ---------------------------------

const echo = await listen((s) => s.on('data', (d: Buffer) => s.write(d)));
let sunk = 0;
const sink = await listen((s) => s.on('data', (d: Buffer) => (sunk += d.length)));
const stamper = await startStamper();

const handle = new WorkerHandle<ProxyHostApi>({ kind: 'network', label: 'proxies', eventTypes: [] });
const wEcho = await handle.call('addProxy', (api) => api.addProxy('echo', { host: HOST, port: echo.port }, 1));
const wSink = await handle.call('addProxy', (api) => api.addProxy('sink', { host: HOST, port: sink.port }, 2));
const local = new LinkProxy({ name: 'echo-local', target: { host: HOST, port: echo.port } });
const lEcho = await local.start();
const localSink = new LinkProxy({ name: 'sink-local', target: { host: HOST, port: sink.port } });
const lSink = await localSink.start();

// Reference point: the least a user-space relay can do, Node's stream.pipe() both ways in a
// worker thread (no toxics, no stats, no events).
const relay = await startRelay('pipe', sink.port);

const loadBefore = os.loadavg();
const log = (s: string) => process.stdout.write(s);
log(`proxy bench: ${PINGS} pings, ${SECONDS} s streams, ${SAMPLES} latency samples\n`);

// ---- (a) one-way delay -------------------------------------------------------------------------

const warm = Math.min(2000, PINGS / 10);
let direct = NO_QUANTILES, viaWorker = NO_QUANTILES, viaLocal = NO_QUANTILES;
if (PHASES.has('a')) {
  log('(a) ping-pong… ');
  direct = await pingPong(echo.port, PINGS, warm);
  viaWorker = await pingPong(wEcho, PINGS, warm);
  viaLocal = await pingPong(lEcho, PINGS, warm);
  log('done\n');
}

// ---- (b) throughput ----------------------------------------------------------------------------

const rounds: Round[] = [];
if (PHASES.has('b')) {
  // Interleaved rounds, median of each: a neighbour's load burst hits one run, not one mode.
  log('(b) throughput… ');
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push({
      direct: await stream(() => sunk, sink.port, SECONDS),
      proxyWorker: await stream(() => sunk, wSink, SECONDS),
      proxyInProcess: await stream(() => sunk, lSink, SECONDS),
      pipeRelayWorker: await stream(() => sunk, relay.port, SECONDS),
    });
  }
  log('done\n');
}

// ---- (c) injected latency accuracy -------------------------------------------------------------

const accuracy: AccuracyRow[] = [];
if (PHASES.has('c')) log('(c) latency accuracy… ');
for (const ms of PHASES.has('c') ? [1, 10, 100] : []) {
  const name = `lat${ms}`;
  const port = await handle.call('addProxy', (api) => api.addProxy(name, { host: HOST, port: stamper.port }, ms));
  await handle.call('addToxic', (api) => api.addToxic(name, parseToxicSpec({ type: 'latency', direction: 'upstream', ms })));
  await handle.call('schedulerLateness', (api) => api.schedulerLateness(true));
  const errorMs = await latencyErrors(port, stamper, ms, SAMPLES);
  const timerLateness = await handle.call('schedulerLateness', (api) => api.schedulerLateness(true));
  accuracy.push({ configuredMs: ms, errorMs, timerLateness });
  await handle.call('removeProxy', (api) => api.removeProxy(name));
}
if (PHASES.has('c')) log('done\n');

// ---- (e) pipe CPU per byte -----------------------------------------------------------------------

const pipeCpuRows: PipeCpu[] = [];
if (PHASES.has('e')) {
  log('(e) pipe CPU per byte… ');
  for (const size of [1024, 16384, 65536]) pipeCpuRows.push(await pipeCpu(handle, wSink, () => sunk, size, SECONDS));
  log('done\n');
}

// ---- (d) CRC chain at window 256, (f) injected latency as placed ------------------------------------

const DEFAULT_PLACEMENT: ProxyPlacement = 'dialler';
let chain: ChainRound[] = [];
if (PHASES.has('d')) {
  log('(d) CRC chain, window 256:\n');
  chain = await crcChain(['direct', ...PROXY_PLACEMENTS], CHAIN_ROUNDS, SECONDS, log);
}
let placed: PlacedLatencyRow[] = [];
if (PHASES.has('f')) {
  log('(f) injected latency as placed… ');
  placed = await placedLatency([0, 1, 10, 100], SAMPLES, DEFAULT_PLACEMENT);
  log('done\n');
}

// ---- (g) crc-proxy against upstream toxiproxy ----------------------------------------------------

let toxiproxy: ToxiproxyResults | undefined;
if (PHASES.has('g')) {
  const settings = { rounds: CMP_ROUNDS, pings: CMP_PINGS, warmupPings: Math.min(1000, CMP_PINGS / 10), seconds: SECONDS, samples: SAMPLES };
  const missing = toxiproxyMissing();
  if (missing) {
    log(`(g) crc-proxy vs toxiproxy: skipped: ${missing}\n`);
    toxiproxy = { skipped: missing, versions: {}, settings, rounds: [] };
  } else {
    log('(g) crc-proxy vs toxiproxy:\n');
    const profile = values['profile-crc-proxy'];
    const procs: ProxyProcess[] = [];
    try {
      procs.push(await startToxiproxy(), await startCrcProxy(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []));
      const rounds = await compareWithToxiproxy(procs, {
        echoPort: echo.port, sinkPort: sink.port, sunk: () => sunk, stamper, worker: { handle, echoPort: wEcho, sinkPort: wSink },
      }, settings, log);
      toxiproxy = { versions: Object.fromEntries(procs.map((p) => [p.label, p.version])), settings, rounds };
    } catch (err) {
      // The other phases' figures are still worth their minutes: the report says what failed.
      const why = `failed: ${(err as Error).message}`;
      log(`(g) crc-proxy vs toxiproxy: ${why}\n`);
      toxiproxy = { skipped: why, versions: {}, settings, rounds: [] };
    } finally {
      for (const p of procs) await p.stop();
    }
  }
}

const loadAfter = os.loadavg();
await handle.stop();
await relay.stop();
await local.stop();
await localSink.stop();
for (const s of [echo, sink]) s.server.close();
await stamper.stop();

// ---- report ------------------------------------------------------------------------------------

const { json, md, table, goalLines } = renderProxyReport({
  command: `node dist/bench/proxy.js${argv.length ? ' ' + argv.join(' ') : ''}`,
  settings: { pings: PINGS, warmupPings: warm, seconds: SECONDS, rounds: ROUNDS, samples: SAMPLES },
  loadBefore, loadAfter,
  ping: { direct, proxyWorker: viaWorker, proxyInProcess: viaLocal },
  rounds, accuracy,
  crc: { chain, placement: DEFAULT_PLACEMENT, chainSeconds: SECONDS, pipeCpu: pipeCpuRows, placed, placedSamples: SAMPLES },
  toxiproxy,
});
const full = ALL.every((p) => PHASES.has(p)) && !QUICK;
if (full) {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}/proxy.json`, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(`${OUT}/proxy.md`, md);
}
log(table.join('\n') + '\n\n' + (full ? goalLines.join('\n') : '(partial run: goals not judged)\n') + '\n');
log(full ? `wrote ${OUT}/proxy.md and ${OUT}/proxy.json\n` : `${QUICK ? 'quick' : 'partial'} run: no results written\n`);
process.exit(0);
