// Link-proxy benchmark: what an empty proxy costs and how accurate injected latency is.
//   (a) added one-way delay: ping-pong of small messages direct vs through a proxy (RTT/2);
//   (b) throughput: 64-byte frames pipelined as fast as possible, direct vs through a proxy;
//   (c) injected latency accuracy at 1, 10 and 100 ms: measured one-way delay − configured.
// The proxies run in a proxy-host worker thread (as the coordinator runs them); the clients and
// servers run in this thread. (a) and (b) are also measured with the proxy in this thread.
// Writes results/proxy.json and results/proxy.md.
//   node dist/bench/proxy.js [--seconds 3] [--pings 20000] [--samples 1000] [--rounds 3] [--out results] [--phases a,b,c]
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { intFlag, parseFlags } from '../src/cli/args.ts';
import { WorkerHandle } from '../src/coordinator/worker-handle.ts';
import { LinkProxy } from '../src/faults/proxy.ts';
import { dial as dialTcp } from '../src/net/dial.ts';
import { nowMs } from '../src/util/clock.ts';
import { machineInfo } from '../src/util/machine.ts';
import type { LatenessStats } from '../src/faults/scheduler.ts';
import type { ProxyHostApi } from '../src/coordinator/worker-api.ts';

const argv = process.argv.slice(2);
const { values } = parseFlags(argv, {
  seconds: { type: 'string' },
  pings: { type: 'string' },
  samples: { type: 'string' },
  rounds: { type: 'string' },
  out: { type: 'string', default: 'results' },
  /** a subset of a,b,c to run (a partial run prints but does not write results) */
  phases: { type: 'string', default: 'a,b,c' },
});
const PHASES = new Set(values.phases!.split(','));
const SECONDS = intFlag(values, 'seconds', 1, 600, 3);
const PINGS = intFlag(values, 'pings', 100, 10_000_000, 20_000);
const SAMPLES = intFlag(values, 'samples', 100, 1_000_000, 1000);
const ROUNDS = intFlag(values, 'rounds', 1, 100, 5);
const OUT = values.out!;
const HOST = '127.0.0.1';

// ---- plumbing ------------------------------------------------------------------------------

function listen(onSocket: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ noDelay: true }, onSocket);
  return new Promise((r) => server.listen(0, HOST, () => r({ server, port: (server.address() as net.AddressInfo).port })));
}

const dial = (port: number): Promise<net.Socket> => dialTcp(HOST, port);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Quantiles of a histogram recorded in `unit`, divided by `div` for reporting. */
function quantiles(h: RecordableHistogram, div: number): Quantiles {
  return {
    n: h.count,
    p50: h.percentile(50) / div,
    p99: h.percentile(99) / div,
    min: h.min / div,
    max: h.max / div,
    mean: h.mean / div,
  };
}

// ---- (a) one-way delay: ping-pong ------------------------------------------------------------

const MSG = 32;

/** Ping-pong `n` 32-byte messages over a connection to an echo server; one-way = RTT/2 in ns. */
async function pingPong(port: number, n: number, warmup: number): Promise<Quantiles> {
  const s = await dial(port);
  const h = createHistogram();
  const msg = Buffer.alloc(MSG, 7);
  await new Promise<void>((done) => {
    let i = 0;
    let got = 0;
    let t0 = 0n;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got < MSG) return;
      got -= MSG;
      const rtt = process.hrtime.bigint() - t0;
      if (i >= warmup) h.record(Math.max(1, Number(rtt / 2n)));
      if (++i === n + warmup) return done();
      t0 = process.hrtime.bigint();
      s.write(msg);
    });
    t0 = process.hrtime.bigint();
    s.write(msg);
  });
  s.destroy();
  return quantiles(h, 1000); // ns -> µs
}

// ---- (b) throughput ----------------------------------------------------------------------

const FRAME = 64;
const BATCH = 1024; // frames per write: 64 KiB

interface Throughput {
  seconds: number;
  bytes: number;
  MBps: number;
  msgsPerSec: number;
  /** CPU time of this process (all threads, user + system) per wall second: 2 = both cores busy */
  cpuCores: number;
}

/** Stream 64-byte frames to a sink at `port` for `seconds` (after a 0.5 s warm-up). */
async function stream(sinkCount: () => number, port: number, seconds: number): Promise<Throughput> {
  const s = await dial(port);
  const chunk = Buffer.alloc(FRAME * BATCH, 0x81);
  let running = true;
  const pump = () => {
    while (running && s.write(chunk));
  };
  s.on('drain', pump);
  pump();
  await sleep(500);
  const b0 = sinkCount();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await sleep(seconds * 1000);
  const bytes = sinkCount() - b0;
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  running = false;
  s.destroy();
  await sleep(200); // let the pipeline drain before the next run
  return { seconds: secs, bytes, MBps: bytes / secs / 1e6, msgsPerSec: bytes / FRAME / secs, cpuCores: (cpu.user + cpu.system) / 1e6 / secs };
}

// ---- (c) injected latency accuracy --------------------------------------------------------------

const WARMUP_MESSAGES = 50;

/**
 * Send `n` (+ a warm-up) timestamped 16-byte messages 2 ms apart through `port` to the stamper;
 * error = one-way delay − configured, in ms.
 */
async function latencyErrors(port: number, configuredMs: number, n: number): Promise<Quantiles & { early: number }> {
  const s = await dial(port);
  const sent = new Map<number, number>();
  const base = 1_000_000 * (configuredMs + 1);
  for (let i = 0; i < n + WARMUP_MESSAGES; i++) {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(base + i, 0);
    if (i >= WARMUP_MESSAGES) sent.set(base + i, nowMs());
    s.write(b);
    await sleep(2);
  }
  const arrived = new Map<number, number>();
  const deadline = performance.now() + configuredMs + 5000;
  do {
    await sleep(configuredMs + 20);
    for (const [id, t] of await stamperCollect()) arrived.set(id, t);
  } while (performance.now() < deadline && [...sent.keys()].some((id) => !arrived.has(id)));
  const h = createHistogram();
  let early = 0;
  for (const [id, t] of sent) {
    const at = arrived.get(id);
    if (at === undefined) throw new Error(`message ${id} never arrived`);
    const errUs = (at - t - configuredMs) * 1000;
    if (errUs < 0) early++;
    h.record(Math.max(1, Math.round(errUs)));
  }
  s.destroy();
  return { ...quantiles(h, 1000), early }; // µs -> ms
}

// ---- run ---------------------------------------------------------------------------------------

const echo = await listen((s) => s.on('data', (d: Buffer) => s.write(d)));
let sunk = 0;
const sink = await listen((s) => s.on('data', (d: Buffer) => (sunk += d.length)));
// The latency sink runs in a thread of its own that does nothing else: a receiver busy with
// other work (here, the sender's timers) adds its own wake-up delay, up to ~1-2 ms at p99 on
// this VM, which is not the proxy's. It stamps each 16-byte message (arrival of its last byte)
// with performance.timeOrigin + now(), comparable across threads.
const STAMPER = `
const net = require('node:net');
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
let stamps = [];
const srv = net.createServer({ noDelay: true }, (s) => {
  let pending = Buffer.alloc(0);
  s.on('data', (d) => {
    const t = performance.timeOrigin + performance.now();
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    let off = 0;
    for (; off + 16 <= pending.length; off += 16) stamps.push([pending.readUInt32BE(off), t]);
    pending = pending.subarray(off);
  });
});
srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port));
parentPort.on('message', () => { parentPort.postMessage(stamps); stamps = []; });`;
const stamper = new Worker(STAMPER, { eval: true });
const stamperPort: number = await new Promise((r) => stamper.once('message', r));
function stamperCollect(): Promise<Array<[number, number]>> {
  return new Promise((r) => {
    stamper.once('message', r);
    stamper.postMessage('collect');
  });
}

const handle = new WorkerHandle<ProxyHostApi>({ kind: 'network', label: 'proxies', eventTypes: [] });
const wEcho = await handle.call('addProxy', (api) => api.addProxy('echo', { host: HOST, port: echo.port }, 1));
const wSink = await handle.call('addProxy', (api) => api.addProxy('sink', { host: HOST, port: sink.port }, 2));
const local = new LinkProxy({ name: 'echo-local', target: { host: HOST, port: echo.port } });
const lEcho = await local.start();
const localSink = new LinkProxy({ name: 'sink-local', target: { host: HOST, port: sink.port } });
const lSink = await localSink.start();

// Reference point: the least a user-space relay can do, Node's stream.pipe() both ways in a
// worker thread (no toxics, no stats, no events).
const RELAY = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const srv = net.createServer({ noDelay: true }, (c) => {
  const t = net.connect({ host: '127.0.0.1', port: workerData.target, noDelay: true });
  c.pipe(t); t.pipe(c);
  c.on('error', () => t.destroy()); t.on('error', () => c.destroy());
});
srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port));`;
const relay = new Worker(RELAY, { eval: true, workerData: { target: sink.port } });
const rSink: number = await new Promise((r) => relay.once('message', r));

const loadBefore = os.loadavg();
const log = (s: string) => process.stdout.write(s);
log(`proxy bench: ${PINGS} pings, ${SECONDS} s streams, ${SAMPLES} latency samples\n`);

const NONE: Quantiles = { n: 0, p50: NaN, p99: NaN, min: NaN, max: NaN, mean: NaN };
const NO_T: Throughput = { seconds: 0, bytes: 0, MBps: NaN, msgsPerSec: NaN, cpuCores: NaN };
const warm = Math.min(2000, PINGS / 10);
let direct = NONE, viaWorker = NONE, viaLocal = NONE;
if (PHASES.has('a')) {
  log('(a) ping-pong… ');
  direct = await pingPong(echo.port, PINGS, warm);
  viaWorker = await pingPong(wEcho, PINGS, warm);
  viaLocal = await pingPong(lEcho, PINGS, warm);
  log('done\n');
}
let tDirect = NO_T, tWorker = NO_T, tLocal = NO_T, tPipe = NO_T;
const rounds: Array<{ direct: Throughput; proxyWorker: Throughput; proxyInProcess: Throughput; pipeRelayWorker: Throughput }> = [];
if (PHASES.has('b')) {
  // Interleaved rounds, median of each: a neighbour's load burst hits one run, not one mode.
  log('(b) throughput… ');
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push({
      direct: await stream(() => sunk, sink.port, SECONDS),
      proxyWorker: await stream(() => sunk, wSink, SECONDS),
      proxyInProcess: await stream(() => sunk, lSink, SECONDS),
      pipeRelayWorker: await stream(() => sunk, rSink, SECONDS),
    });
  }
  const median = (pick: (r: (typeof rounds)[number]) => Throughput) => {
    const xs = rounds.map(pick).sort((a, b) => a.MBps - b.MBps);
    return xs[Math.floor(xs.length / 2)]!;
  };
  tDirect = median((r) => r.direct);
  tWorker = median((r) => r.proxyWorker);
  tLocal = median((r) => r.proxyInProcess);
  tPipe = median((r) => r.pipeRelayWorker);
  log('done\n');
}
const accuracy: Array<{ configuredMs: number; errorMs: Quantiles & { early: number }; timerLateness: LatenessStats }> = [];
if (PHASES.has('c')) log('(c) latency accuracy… ');
for (const ms of PHASES.has('c') ? [1, 10, 100] : []) {
  const name = `lat${ms}`;
  const port = await handle.call('addProxy', (api) => api.addProxy(name, { host: HOST, port: stamperPort }, ms));
  await handle.call('addToxic', (api) => api.addToxic(name, { type: 'latency', direction: 'upstream', ms }));
  await handle.call('schedulerLateness', (api) => api.schedulerLateness(true));
  const errorMs = await latencyErrors(port, ms, SAMPLES);
  const timerLateness = await handle.call('schedulerLateness', (api) => api.schedulerLateness(true));
  accuracy.push({ configuredMs: ms, errorMs, timerLateness });
  await handle.call('removeProxy', (api) => api.removeProxy(name));
}
if (PHASES.has('c')) log('done\n');

const loadAfter = os.loadavg();
await handle.stop();
await relay.terminate();
await local.stop();
await localSink.stop();
for (const s of [echo, sink]) s.server.close();
await stamper.terminate();

// ---- report ------------------------------------------------------------------------------------

const added = { p50: viaWorker.p50 - direct.p50, p99: viaWorker.p99 - direct.p99 };
const addedLocal = { p50: viaLocal.p50 - direct.p50, p99: viaLocal.p99 - direct.p99 };
// Ratios are the median of each round's ratio to that round's direct run (paired: robust to
// the machine getting faster or slower between rounds).
const medianRatio = (pick: (r: (typeof rounds)[number]) => Throughput) => {
  const xs = rounds.map((r) => pick(r).MBps / r.direct.MBps).sort((a, b) => a - b);
  return xs.length ? xs[Math.floor(xs.length / 2)]! : NaN;
};
const ratio = medianRatio((r) => r.proxyWorker);
const ratioLocal = medianRatio((r) => r.proxyInProcess);
const ratioPipe = medianRatio((r) => r.pipeRelayWorker);
const worstP99 = Math.max(...accuracy.map((a) => Math.abs(a.errorMs.p99)));
const anyEarly = accuracy.some((a) => a.errorMs.early > 0);
const goals = [
  { goal: 'empty proxy adds < 100 µs one-way at p50 (proxy in a worker)', value: added.p50, unit: 'µs', met: added.p50 < 100 },
  { goal: 'empty proxy costs < 15% throughput (proxy in a worker)', value: (1 - ratio) * 100, unit: '%', met: ratio > 0.85 },
  { goal: 'injected latency accurate to ±1 ms at p99 (1, 10, 100 ms)', value: worstP99, unit: 'ms', met: worstP99 <= 1 && !anyEarly },
];

const machine = machineInfo();
const command = `node dist/bench/proxy.js${argv.length ? ' ' + argv.join(' ') : ''}`;
const json = {
  command,
  date: new Date().toISOString(),
  machine,
  loadAverage: { unit: '1/5/15-minute load averages (os.loadavg()); 2 cores', before: loadBefore, after: loadAfter },
  setup: {
    note: 'clients and servers in the main thread; proxies in a proxy-host worker thread (inProcess: in the main thread)',
    pings: PINGS, pingBytes: MSG, throughputRounds: ROUNDS, warmupPings: warm, streamSeconds: SECONDS, frameBytes: FRAME, framesPerWrite: BATCH,
    latencySamples: SAMPLES, latencyWarmupMessages: WARMUP_MESSAGES, latencySpacingMs: 2,
    latencyReceiver: 'a dedicated worker thread',
  },
  oneWayDelayUs: { unit: 'µs (RTT/2)', direct, proxyWorker: viaWorker, proxyInProcess: viaLocal, addedWorker: added, addedInProcess: addedLocal },
  throughput: {
    unit: { MBps: 'MB/s (10^6 bytes)', msgsPerSec: '64-byte frames/s' },
    note: `median of ${ROUNDS} interleaved rounds (direct, worker, in-process) of ${SECONDS} s each`,
    direct: tDirect, proxyWorker: tWorker, proxyInProcess: tLocal, pipeRelayWorker: tPipe,
    ratioWorker: ratio, ratioInProcess: ratioLocal, ratioPipeRelay: ratioPipe,
    rounds,
  },
  latencyAccuracyMs: { unit: 'ms, measured one-way − configured (includes the proxy\'s own delay)', rows: accuracy },
  goals,
};
const full = ['a', 'b', 'c'].every((p) => PHASES.has(p));
if (full) {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}/proxy.json`, JSON.stringify(json, null, 2) + '\n');
}

const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);
const table = [
  '| one-way delay (RTT/2) | p50 (µs) | p99 (µs) | added p50 (µs) | added p99 (µs) |',
  '|---|---:|---:|---:|---:|',
  `| direct | ${f1(direct.p50)} | ${f1(direct.p99)} | | |`,
  `| proxy in a worker | ${f1(viaWorker.p50)} | ${f1(viaWorker.p99)} | ${f1(added.p50)} | ${f1(added.p99)} |`,
  `| proxy in the same thread | ${f1(viaLocal.p50)} | ${f1(viaLocal.p99)} | ${f1(addedLocal.p50)} | ${f1(addedLocal.p99)} |`,
  '',
  '| throughput, 64-byte frames | MB/s | frames/s | vs direct | CPU (cores busy) |',
  '|---|---:|---:|---:|---:|',
  `| direct | ${f1(tDirect.MBps)} | ${Math.round(tDirect.msgsPerSec).toLocaleString('en')} | 100% | ${tDirect.cpuCores.toFixed(2)} |`,
  `| proxy in a worker | ${f1(tWorker.MBps)} | ${Math.round(tWorker.msgsPerSec).toLocaleString('en')} | ${(ratio * 100).toFixed(1)}% | ${tWorker.cpuCores.toFixed(2)} |`,
  `| proxy in the same thread | ${f1(tLocal.MBps)} | ${Math.round(tLocal.msgsPerSec).toLocaleString('en')} | ${(ratioLocal * 100).toFixed(1)}% | ${tLocal.cpuCores.toFixed(2)} |`,
  `| reference: stream.pipe() relay in a worker | ${f1(tPipe.MBps)} | ${Math.round(tPipe.msgsPerSec).toLocaleString('en')} | ${(ratioPipe * 100).toFixed(1)}% | ${tPipe.cpuCores.toFixed(2)} |`,
  '',
  '| injected latency | samples | error p50 (ms) | error p99 (ms) | error max (ms) | early | proxy timer late p50 / p99 / max (µs) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...accuracy.map((a) => `| ${a.configuredMs} ms | ${a.errorMs.n} | ${f3(a.errorMs.p50)} | ${f3(a.errorMs.p99)} | ${f3(a.errorMs.max)} | ${a.errorMs.early} | ${f1(a.timerLateness.p50Us)} / ${f1(a.timerLateness.p99Us)} / ${f1(a.timerLateness.maxUs)} |`),
];
const md = [
  '# Link proxy: overhead and injected-latency accuracy',
  '',
  `Command: \`${command}\` — ${json.date}`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}, commit ${machine.commit}${machine.dirty ? ' (uncommitted changes)' : ''}`,
  `Load average (1/5/15 min) before ${loadBefore.map((x) => x.toFixed(2)).join('/')}, after ${loadAfter.map((x) => x.toFixed(2)).join('/')}: other work on the machine shows up in the p99s.`,
  '',
  'Clients and servers run in the main thread; the proxies in a `proxy-host` worker thread, as the',
  'coordinator runs them (and, for comparison, in the main thread).',
  '',
  `- One-way delay: half the round trip of ${MSG}-byte ping-pongs (${PINGS} after ${warm} warm-up).`,
  `- Throughput: 64-byte frames, ${BATCH} per write, as fast as the socket takes them, for ${SECONDS} s after a`,
  `  0.5 s warm-up; MB/s is the median of ${ROUNDS} interleaved rounds, "vs direct" the median of each round's`,
  '  ratio to that round\'s direct run; CPU = CPU seconds of this process (all threads) per second.',
  `- Latency accuracy: ${SAMPLES} 16-byte messages (after ${WARMUP_MESSAGES} warm-up), 2 ms apart, through a proxy with a`,
  '  latency toxic, to a receiving thread that does nothing else; error = measured one-way delay minus the',
  '  configured delay (so it includes the proxy\'s own tens of µs and both threads\' wake-ups). "Proxy timer',
  '  late" is the proxy\'s scheduler alone (performance.now() when a group of timers ran, minus its due',
  '  time); "early" counts deliveries before the configured delay: there must be none.',
  '',
  ...table,
  '',
  '## Goals',
  '',
  ...goals.map((g) => `- ${g.goal}: ${g.unit === 'ms' ? f3(g.value) : f1(g.value)} ${g.unit} — **${g.met ? 'met' : 'missed'}**`),
  '',
  'Reading the figures: the `stream.pipe()` row is what any user-space relay costs on this machine (one',
  'more read and write per chunk, on another core); the proxy is measured against it as well as against',
  'a direct connection. The "proxy timer late" column isolates the proxy\'s own scheduling from the',
  'sending and receiving threads\' wake-ups, which dominate the end-to-end p99 on a 2-vCPU VM.',
  '',
];
if (full) writeFileSync(`${OUT}/proxy.md`, md.join('\n'));
log(table.join('\n') + '\n\n' + (full ? '' : '(partial run: goals not judged)\n') + goals.filter(() => full).map((g) => `${g.met ? 'met   ' : 'MISSED'} ${g.goal}: ${g.unit === 'ms' ? f3(g.value) : f1(g.value)} ${g.unit}`).join('\n') + '\n');
log(full ? `wrote ${OUT}/proxy.md and ${OUT}/proxy.json\n` : 'partial run: no results written\n');
process.exit(0);
