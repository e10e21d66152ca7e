// The link-proxy bench's report: goals, proxy.json and proxy.md (and the table it prints). The
// CRC measurements and the goals are rendered by report-crc.ts.
import type { LatenessStats } from '../../src/faults/scheduler.ts';
import { machineInfo } from '../../src/util/machine.ts';
import { type CrcResults, renderCrc } from './report-crc.ts';
import { type ToxiproxyResults, renderToxiproxy } from './report-toxiproxy.ts';
import {
  FRAME, FRAMES_PER_WRITE, LATENCY_SPACING_MS, LATENCY_WARMUP_MESSAGES, NO_THROUGHPUT, PING_BYTES, type Quantiles, type Throughput,
} from './measure.ts';

export interface Round {
  direct: Throughput;
  proxyWorker: Throughput;
  proxyInProcess: Throughput;
  pipeRelayWorker: Throughput;
}

export interface AccuracyRow {
  configuredMs: number;
  errorMs: Quantiles & { early: number };
  timerLateness: LatenessStats;
}

export interface ProxyBenchResults {
  command: string;
  settings: { pings: number; warmupPings: number; seconds: number; rounds: number; samples: number };
  loadBefore: number[];
  loadAfter: number[];
  ping: { direct: Quantiles; proxyWorker: Quantiles; proxyInProcess: Quantiles };
  rounds: Round[];
  accuracy: AccuracyRow[];
  crc: CrcResults;
  /** (g); undefined when not run */
  toxiproxy?: ToxiproxyResults;
}

/** The median round of one mode, by MB/s. */
function median(rounds: Round[], pick: (r: Round) => Throughput): Throughput {
  const xs = rounds.map(pick).sort((a, b) => a.MBps - b.MBps);
  return xs[Math.floor(xs.length / 2)] ?? NO_THROUGHPUT;
}

// Ratios are the median of each round's ratio to that round's direct run (paired: robust to
// the machine getting faster or slower between rounds).
function medianRatio(rounds: Round[], pick: (r: Round) => Throughput): number {
  const xs = rounds.map((r) => pick(r).MBps / r.direct.MBps).sort((a, b) => a - b);
  return xs.length ? xs[Math.floor(xs.length / 2)]! : NaN;
}

export function renderProxyReport(r: ProxyBenchResults): { json: unknown; md: string; table: string[]; goalLines: string[] } {
  const { direct, proxyWorker: viaWorker, proxyInProcess: viaLocal } = r.ping;
  const { pings: PINGS, warmupPings: warm, seconds: SECONDS, rounds: ROUNDS, samples: SAMPLES } = r.settings;
  const tDirect = median(r.rounds, (x) => x.direct);
  const tWorker = median(r.rounds, (x) => x.proxyWorker);
  const tLocal = median(r.rounds, (x) => x.proxyInProcess);
  const tPipe = median(r.rounds, (x) => x.pipeRelayWorker);
  const added = { p50: viaWorker.p50 - direct.p50, p99: viaWorker.p99 - direct.p99 };
  const addedLocal = { p50: viaLocal.p50 - direct.p50, p99: viaLocal.p99 - direct.p99 };
  const ratio = medianRatio(r.rounds, (x) => x.proxyWorker);
  const ratioLocal = medianRatio(r.rounds, (x) => x.proxyInProcess);
  const ratioPipe = medianRatio(r.rounds, (x) => x.pipeRelayWorker);
  const worstP99 = Math.max(...r.accuracy.map((a) => Math.abs(a.errorMs.p99)));
  const anyEarly = r.accuracy.some((a) => a.errorMs.early > 0);
  const crc = renderCrc(r.crc);
  const tp = r.toxiproxy ? renderToxiproxy(r.toxiproxy) : undefined;
  // The goals (CRC chain, as placed), then the proxy alone in a network thread.
  const goals = [
    ...crc.goals,
    { goal: 'injected latency within ±1 ms at p99, proxy alone in a network thread (1, 10, 100 ms)', value: worstP99, unit: 'ms', met: worstP99 <= 1 && !anyEarly },
  ];

  const machine = machineInfo();
  const json = {
    command: r.command,
    date: new Date().toISOString(),
    machine,
    loadAverage: { unit: '1/5/15-minute load averages (os.loadavg()); 2 cores', before: r.loadBefore, after: r.loadAfter },
    setup: {
      note: 'clients and servers in the main thread; proxies in a proxy-host worker thread (inProcess: in the main thread)',
      pings: PINGS, pingBytes: PING_BYTES, throughputRounds: ROUNDS, warmupPings: warm, streamSeconds: SECONDS, frameBytes: FRAME, framesPerWrite: FRAMES_PER_WRITE,
      latencySamples: SAMPLES, latencyWarmupMessages: LATENCY_WARMUP_MESSAGES, latencySpacingMs: LATENCY_SPACING_MS,
      latencyReceiver: 'a dedicated worker thread',
    },
    oneWayDelayUs: { unit: 'µs (RTT/2)', direct, proxyWorker: viaWorker, proxyInProcess: viaLocal, addedWorker: added, addedInProcess: addedLocal },
    throughput: {
      unit: { MBps: 'MB/s (10^6 bytes)', msgsPerSec: '64-byte frames/s' },
      note: `median of ${ROUNDS} interleaved rounds (direct, worker, in-process) of ${SECONDS} s each`,
      direct: tDirect, proxyWorker: tWorker, proxyInProcess: tLocal, pipeRelayWorker: tPipe,
      ratioWorker: ratio, ratioInProcess: ratioLocal, ratioPipeRelay: ratioPipe,
      rounds: r.rounds,
    },
    latencyAccuracyMs: { unit: 'ms, measured one-way − configured (includes the proxy\'s own delay)', rows: r.accuracy },
    crc: crc.json,
    toxiproxy: tp?.json,
    goals,
  };

  const f1 = (x: number) => x.toFixed(1);
  const f3 = (x: number) => x.toFixed(3);
  const table = [
    ...crc.table,
    '',
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
    ...(tp ? ['', ...tp.table] : []),
    '',
    '| injected latency | samples | error p50 (ms) | error p99 (ms) | error max (ms) | early | proxy timer late p50 / p99 / max (µs) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.accuracy.map((a) => `| ${a.configuredMs} ms | ${a.errorMs.n} | ${f3(a.errorMs.p50)} | ${f3(a.errorMs.p99)} | ${f3(a.errorMs.max)} | ${a.errorMs.early} | ${f1(a.timerLateness.p50Us)} / ${f1(a.timerLateness.p99Us)} / ${f1(a.timerLateness.maxUs)} |`),
  ];
  const md = [
    '# Link proxy: overhead and injected-latency accuracy',
    '',
    `Command: \`${r.command}\` — ${json.date}`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}, commit ${machine.commit}${machine.dirty ? ' (uncommitted changes)' : ''}`,
    `Load average (1/5/15 min) before ${r.loadBefore.map((x) => x.toFixed(2)).join('/')}, after ${r.loadAfter.map((x) => x.toFixed(2)).join('/')}: other work on the machine shows up in the p99s.`,
    '',
    'The goals are judged on our servers as the simulator runs them (CRC chain, proxies where the',
    `coordinator places them by default: '${r.crc.placement}'). The one-way delay, raw-stream throughput and`,
    'accuracy tables below them are the proxy alone: clients and servers in the main thread, the proxies in a',
    '`proxy-host` network worker thread (and, for comparison, in the main thread).',
    '',
    ...crc.notes,
    ...(tp?.notes ?? []),
    `- One-way delay: half the round trip of ${PING_BYTES}-byte ping-pongs (${PINGS} after ${warm} warm-up).`,
    `- Throughput: 64-byte frames, ${FRAMES_PER_WRITE} per write, as fast as the socket takes them, for ${SECONDS} s after a`,
    `  0.5 s warm-up; MB/s is the median of ${ROUNDS} interleaved rounds, "vs direct" the median of each round's`,
    '  ratio to that round\'s direct run; CPU = CPU seconds of this process (all threads) per second.',
    `- Latency accuracy: ${SAMPLES} 16-byte messages (after ${LATENCY_WARMUP_MESSAGES} warm-up), 2 ms apart, through a proxy with a`,
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
    ...(tp ? [`- ${tp.verdict}`] : []),
    '',
    'Reading the figures: the `stream.pipe()` row is what any user-space relay costs on this machine (one',
    'more read and write per chunk, on another core); the proxy is measured against it as well as against',
    'a direct connection. The "proxy timer late" column isolates the proxy\'s own scheduling from the',
    'sending and receiving threads\' wake-ups, which dominate the end-to-end p99 on a 2-vCPU VM.',
    '',
  ].join('\n');
  const goalLines = [...(tp ? [tp.verdict] : []), ...goals.map((g) => `${g.met ? 'met   ' : 'MISSED'} ${g.goal}: ${g.unit === 'ms' ? f3(g.value) : f1(g.value)} ${g.unit}`)];
  return { json, md, table, goalLines };
}
