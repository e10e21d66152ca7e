// The link-proxy bench's three measurements, each over a port that is either the target itself
// (direct) or a proxy in front of it:
//   (a) one-way delay: ping-pong of small messages to an echo server (RTT/2);
//   (b) throughput: 64-byte frames pipelined as fast as possible to a counting sink;
//   (c) injected latency accuracy: timestamped messages to the stamper thread.
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { dial as dialTcp } from '../../src/net/dial.ts';
import { nowMs } from '../../src/util/clock.ts';
import type { Stamp, StamperConfig } from './stamper-worker.ts';

export const HOST = '127.0.0.1';

export function listen(onSocket: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ noDelay: true }, onSocket);
  return new Promise((r) => server.listen(0, HOST, () => r({ server, port: (server.address() as net.AddressInfo).port })));
}

const dial = (port: number): Promise<net.Socket> => dialTcp(HOST, port);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export const NO_QUANTILES: Quantiles = { n: 0, p50: NaN, p99: NaN, min: NaN, max: NaN, mean: NaN };

/** Quantiles of a histogram, divided by `div` for reporting. */
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

export const PING_BYTES = 32;

/** Ping-pong `n` 32-byte messages over a connection to an echo server; one-way = RTT/2, in µs. */
export async function pingPong(port: number, n: number, warmup: number): Promise<Quantiles> {
  const s = await dial(port);
  const h = createHistogram();
  const msg = Buffer.alloc(PING_BYTES, 7);
  await new Promise<void>((done) => {
    let i = 0;
    let got = 0;
    let t0 = 0n;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got < PING_BYTES) return;
      got -= PING_BYTES;
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

export const FRAME = 64;
export const FRAMES_PER_WRITE = 1024; // 64 KiB

export interface Throughput {
  seconds: number;
  bytes: number;
  MBps: number;
  msgsPerSec: number;
  /** CPU time of this process (all threads, user + system) per wall second: 2 = both cores busy */
  cpuCores: number;
  /** the proxy's CPU seconds over the same window, when stream() was given a way to read it */
  proxyCpuSeconds?: number;
}

export const NO_THROUGHPUT: Throughput = { seconds: 0, bytes: 0, MBps: NaN, msgsPerSec: NaN, cpuCores: NaN };

/**
 * Stream 64-byte frames to a sink at `port` for `seconds` (after a 0.5 s warm-up); `proxyCpu`
 * (CPU seconds of the proxy so far) is read at both ends of the measured window.
 */
export async function stream(sinkCount: () => number, port: number, seconds: number, proxyCpu?: () => Promise<number>): Promise<Throughput> {
  const s = await dial(port);
  const chunk = Buffer.alloc(FRAME * FRAMES_PER_WRITE, 0x81);
  let running = true;
  const pump = () => {
    while (running && s.write(chunk));
  };
  s.on('drain', pump);
  pump();
  await sleep(500);
  const p0 = await proxyCpu?.();
  const b0 = sinkCount();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await sleep(seconds * 1000);
  const bytes = sinkCount() - b0;
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const p1 = await proxyCpu?.();
  running = false;
  s.destroy();
  await sleep(200); // let the pipeline drain before the next run
  const proxyCpuSeconds = p0 !== undefined && p1 !== undefined ? p1 - p0 : undefined;
  return { seconds: secs, bytes, MBps: bytes / secs / 1e6, msgsPerSec: bytes / FRAME / secs, cpuCores: (cpu.user + cpu.system) / 1e6 / secs, proxyCpuSeconds };
}

// ---- (c) injected latency accuracy --------------------------------------------------------------

export const LATENCY_WARMUP_MESSAGES = 50;
export const LATENCY_SPACING_MS = 2;
const LATENCY_MESSAGE_BYTES = 16;

export interface Stamper {
  port: number;
  /** The stamps taken since the last collect(). */
  collect(): Promise<Stamp[]>;
  stop(): Promise<void>;
}

export async function startStamper(): Promise<Stamper> {
  const workerData: StamperConfig = { messageBytes: LATENCY_MESSAGE_BYTES };
  const w = new Worker(builtUrl('bench/proxy/stamper-worker'), { workerData });
  const port: number = await new Promise((r) => w.once('message', r));
  return {
    port,
    collect: () => new Promise((r) => {
      w.once('message', r);
      w.postMessage('collect');
    }),
    stop: async () => void (await w.terminate()),
  };
}

/**
 * Send `n` (+ a warm-up) timestamped 16-byte messages 2 ms apart through `port` to the stamper;
 * error = one-way delay − configured, in ms.
 */
export async function latencyErrors(port: number, stamper: Stamper, configuredMs: number, n: number): Promise<Quantiles & { early: number }> {
  const s = await dial(port);
  const sent = new Map<number, number>();
  const base = 1_000_000 * (configuredMs + 1);
  for (let i = 0; i < n + LATENCY_WARMUP_MESSAGES; i++) {
    const b = Buffer.alloc(LATENCY_MESSAGE_BYTES);
    b.writeUInt32BE(base + i, 0);
    if (i >= LATENCY_WARMUP_MESSAGES) sent.set(base + i, nowMs());
    s.write(b);
    await sleep(LATENCY_SPACING_MS);
  }
  const arrived = new Map<number, number>();
  const deadline = performance.now() + configuredMs + 5000;
  do {
    await sleep(configuredMs + 20);
    for (const [id, t] of await stamper.collect()) arrived.set(id, t);
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
