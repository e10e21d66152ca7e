// (g) crc-proxy against upstream toxiproxy, in one run: the two proxy processes, configured by
// the same toxiproxy API calls, beside our in-thread proxies (a proxy-host worker, and a
// LinkProxy in this thread), all in front of the same echo, sink and stamper. Each round
// measures every proxy in turn (order rotated per round, so none always runs first):
//   - round trip of 32-byte ping-pongs (p50, p99; added = minus the same round's direct run);
//   - bulk throughput of 64-byte frames against the same round's direct run, and the proxy's
//     CPU per GB relayed (the process's CPU from /proc/PID/stat; the worker's thread CPU);
//   - error of a latency toxic of 1, 10 and 100 ms (one-way delay − configured, p50 and p99).
// The report (report-toxiproxy.ts) takes the median over rounds of each figure.
import type { WorkerHandle } from '../../src/threads/worker-handle.ts';
import type { ProxyHostApi } from '../../src/threads/worker-api.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { type LatenessStats, schedulerLateness } from '../../src/faults/scheduler.ts';
import {
  type ProxyProcess, type SchedSample, addLatency, createProxy, crcTimerLateness, deleteProxy, processCpuSeconds, processSchedStat,
} from './external-proxies.ts';
import { HOST, LATENCY_WARMUP_MESSAGES, type Quantiles, type Stamper, type Throughput, latencyErrors, pingPong, stream } from './measure.ts';

export const COMPARED = ['toxiproxy', 'crc-proxy', 'crc worker thread', 'crc same thread'] as const;
export type ComparedProxy = (typeof COMPARED)[number];
export const LATENCY_TOXICS_MS = [1, 10, 100] as const;

/** One proxy as the comparison drives it. */
interface Contender {
  label: ComparedProxy;
  echoPort: number;
  sinkPort: number;
  /** CPU seconds the proxy used so far (NaN: cannot be told apart from the bench's own) */
  cpuSeconds(): Promise<number>;
  /** a proxy to `port` with a latency toxic of `ms` upstream; its listen port */
  withLatency(name: string, port: number, ms: number): Promise<number>;
  remove(name: string): Promise<void>;
  /** how late its toxic timers ran since the last call (undefined: toxiproxy does not say) */
  timerLateness(): Promise<LatenessStats | undefined>;
  /** the kernel's scheduler counters of the proxy (processes only: threads share the bench's) */
  sched(): SchedSample | undefined;
}

/**
 * How the kernel ran the proxy over a measurement: its threads' wake-ups per event (a ping, a
 * message) and how long each wake-up waited for a CPU. On a shared machine that wait is most
 * of a tail; a proxy that spreads one event over several threads gets more turns.
 */
export interface SchedTrace {
  wakeupsPerEvent: number;
  waitUsPerWakeup: number;
  cpuUsPerEvent: number;
}

function schedTrace(a: SchedSample | undefined, b: SchedSample | undefined, events: number): SchedTrace | undefined {
  if (!a || !b || b.slices <= a.slices) return undefined;
  const slices = b.slices - a.slices;
  return { wakeupsPerEvent: slices / events, waitUsPerWakeup: (b.waitNs - a.waitNs) / slices / 1000, cpuUsPerEvent: (b.runNs - a.runNs) / events / 1000 };
}

export interface LatencyCell {
  configuredMs: number;
  errorMs: Quantiles & { early: number };
  /** the proxy's own timer trace over the same samples (ours only) */
  timerLateness?: LatenessStats;
  /** the proxy's CPU over the samples, per message (NaN: not separable) */
  cpuUsPerMessage: number;
  /** processes only */
  sched?: SchedTrace;
}

export interface ComparisonRun {
  label: ComparedProxy | 'direct';
  /** round trip, µs */
  rttUs: Quantiles;
  /** how the kernel ran the proxy over the ping-pongs (processes only) */
  rttSched?: SchedTrace;
  throughput: Throughput;
  /** proxy CPU seconds per GB relayed in the throughput run */
  cpuSecondsPerGB: number;
  latency: LatencyCell[];
}

export interface ComparisonRound {
  runs: ComparisonRun[];
}

export interface ComparisonSettings {
  rounds: number;
  pings: number;
  warmupPings: number;
  seconds: number;
  samples: number;
}

export interface ComparisonTargets {
  echoPort: number;
  sinkPort: number;
  sunk: () => number;
  stamper: Stamper;
  /** the bench's proxy-host worker, with proxies `echo` and `sink` at these ports */
  worker: { handle: WorkerHandle<ProxyHostApi>; echoPort: number; sinkPort: number };
}

function processContender(p: ProxyProcess, echoPort: number, sinkPort: number): Contender {
  return {
    label: p.label, echoPort, sinkPort,
    cpuSeconds: async () => processCpuSeconds(p.pid),
    async withLatency(name, port, ms) {
      const listen = await createProxy(p.api, name, port);
      await addLatency(p.api, name, ms);
      return listen;
    },
    remove: (name) => deleteProxy(p.api, name),
    timerLateness: async () => (p.label === 'crc-proxy' ? crcTimerLateness(p.api) : undefined),
    sched: () => processSchedStat(p.pid),
  };
}

async function workerContender(t: ComparisonTargets): Promise<Contender> {
  const { handle } = t.worker;
  return {
    label: 'crc worker thread', echoPort: t.worker.echoPort, sinkPort: t.worker.sinkPort,
    cpuSeconds: async () => (await handle.call('cpu', (api) => api.threadCpuNs())) / 1e9,
    async withLatency(name, port, ms) {
      const listen = await handle.call('addProxy', (api) => api.addProxy(name, { host: HOST, port }, 7));
      await handle.call('addToxic', (api) => api.addToxic(name, parseToxicSpec({ type: 'latency', direction: 'upstream', ms })));
      return listen;
    },
    remove: (name) => handle.call('removeProxy', (api) => api.removeProxy(name)),
    timerLateness: () => handle.call('schedulerLateness', (api) => api.schedulerLateness(true)),
    sched: () => undefined,
  };
}

async function sameThreadContender(t: ComparisonTargets, owned: LinkProxy[]): Promise<Contender> {
  const start = async (name: string, port: number) => {
    const p = new LinkProxy({ name, target: { host: HOST, port } });
    owned.push(p);
    return { p, port: await p.start() };
  };
  const echo = await start('cmp-echo', t.echoPort);
  const sink = await start('cmp-sink', t.sinkPort);
  const latency = new Map<string, LinkProxy>();
  return {
    label: 'crc same thread', echoPort: echo.port, sinkPort: sink.port,
    cpuSeconds: async () => NaN,
    async withLatency(name, port, ms) {
      const { p, port: listen } = await start(name, port);
      p.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms }));
      latency.set(name, p);
      return listen;
    },
    async remove(name) {
      await latency.get(name)?.stop();
      latency.delete(name);
    },
    timerLateness: async () => schedulerLateness(true),
    sched: () => undefined,
  };
}

/** Run the comparison: `processes` are the started toxiproxy and crc-proxy. */
export async function compareWithToxiproxy(
  processes: ProxyProcess[], t: ComparisonTargets, s: ComparisonSettings, log: (line: string) => void,
): Promise<ComparisonRound[]> {
  const owned: LinkProxy[] = [];
  const contenders: Contender[] = [];
  try {
    for (const p of processes) {
      contenders.push(processContender(p, await createProxy(p.api, 'cmp-echo', t.echoPort), await createProxy(p.api, 'cmp-sink', t.sinkPort)));
    }
    contenders.push(await workerContender(t), await sameThreadContender(t, owned));
    const rounds: ComparisonRound[] = [];
    for (let r = 0; r < s.rounds; r++) {
      // Rotate the order so that no proxy always follows the same neighbour.
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
      const runs = new Map<string, ComparisonRun>();
      const run = (label: ComparisonRun['label']) => runs.get(label) ?? runs.set(label, { label, rttUs: undefined!, throughput: undefined!, cpuSecondsPerGB: NaN, latency: [] }).get(label)!;

      run('direct').rttUs = rtt(await pingPong(t.echoPort, s.pings, s.warmupPings));
      for (const c of order) {
        const a = c.sched();
        run(c.label).rttUs = rtt(await pingPong(c.echoPort, s.pings, s.warmupPings));
        run(c.label).rttSched = schedTrace(a, c.sched(), s.pings + s.warmupPings);
      }

      run('direct').throughput = await stream(t.sunk, t.sinkPort, s.seconds);
      for (const c of order) {
        const tp = await stream(t.sunk, c.sinkPort, s.seconds, () => c.cpuSeconds());
        run(c.label).throughput = tp;
        run(c.label).cpuSecondsPerGB = (tp.proxyCpuSeconds ?? NaN) / (tp.bytes / 1e9);
      }

      for (const ms of LATENCY_TOXICS_MS) {
        for (const c of order) {
          const name = `cmp-lat${ms}`;
          const port = await c.withLatency(name, t.stamper.port, ms);
          try {
            await c.timerLateness();
            const cpu0 = await c.cpuSeconds();
            const sched0 = c.sched();
            const errorMs = await latencyErrors(port, t.stamper, ms, s.samples);
            const messages = s.samples + LATENCY_WARMUP_MESSAGES;
            const sched = schedTrace(sched0, c.sched(), messages);
            const cpuUsPerMessage = (((await c.cpuSeconds()) - cpu0) * 1e6) / messages;
            run(c.label).latency.push({ configuredMs: ms, errorMs, timerLateness: await c.timerLateness(), cpuUsPerMessage, sched });
          } finally {
            await c.remove(name);
          }
        }
      }
      rounds.push({ runs: ['direct', ...COMPARED].map((l) => runs.get(l)!) });
      log(`  round ${r + 1}/${s.rounds}: ${COMPARED.map((l) => `${l} rtt p50 ${runs.get(l)!.rttUs.p50.toFixed(0)} µs`).join(', ')}\n`);
    }
    return rounds;
  } finally {
    for (const p of processes) {
      for (const name of ['cmp-echo', 'cmp-sink']) await deleteProxy(p.api, name).catch(() => undefined);
    }
    for (const p of owned) await p.stop();
  }
}

/** pingPong reports RTT/2: the comparison speaks of round trips. */
const rtt = (q: Quantiles): Quantiles => ({ n: q.n, p50: q.p50 * 2, p99: q.p99 * 2, min: q.min * 2, max: q.max * 2, mean: q.mean * 2 });
