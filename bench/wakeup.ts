// The raw cost of waking another thread, the floor under every cross-thread hop of a
// convergence: a MessagePort ping-pong and a TCP loopback ping-pong between this thread and a
// worker, one message in flight, each exchange after a pause so the other thread is asleep
// (as a server's thread is when a quit reaches it), plus the same back to back (awake).
// One-way cost = round trip / 2. Used by the convergence phase of npm run bench; also
//   node dist/bench/wakeup.js [--rounds N] [--gap-ms G]   (then a flood over middle-earth, flood.ts)
import net from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { type Percentiles, percentiles } from './phases/common.ts';
import { floodTree } from './flood.ts';
import { resolveTopology } from '../src/topology/generate.ts';

export interface WakeupRow {
  /** 'port': MessagePort postMessage; 'tcp': one byte over a loopback socket (noDelay) */
  channel: 'port' | 'tcp';
  /** 'asleep': a pause of gapMs before each exchange; 'awake': back to back */
  state: 'asleep' | 'awake';
  gapMs: number;
  /** one-way wake-up (half a round trip), µs */
  oneWayUs: Percentiles;
}

interface EchoConfig {
  port: MessagePort;
}

/** The worker: echo every message on the port, and every byte on each accepted socket. */
function echo(): void {
  const { port } = workerData as EchoConfig;
  port.on('message', (m: number) => port.postMessage(m));
  const server = net.createServer({ noDelay: true }, (s) => {
    s.setNoDelay(true);
    s.on('data', (b) => s.write(b));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as net.AddressInfo).port));
  parentPort!.on('message', (m: string) => {
    if (m === 'stop') {
      server.close();
      process.exit(0);
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Round trips of `exchange`, `rounds` times, after `gapMs` each (0: back to back), as one-way µs. */
async function measure(exchange: () => Promise<void>, rounds: number, gapMs: number): Promise<Percentiles> {
  const h = createHistogram();
  for (let i = 0; i < 20; i++) await exchange(); // warm up
  for (let i = 0; i < rounds; i++) {
    if (gapMs > 0) await sleep(gapMs);
    const t0 = process.hrtime.bigint();
    await exchange();
    h.record(Math.max(1, Number((process.hrtime.bigint() - t0) / 2n)));
  }
  return percentiles(h, 1 / 1000);
}

/** Measure both channels, asleep and awake. */
export async function measureWakeups(rounds = 500, gapMs = 2): Promise<WakeupRow[]> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { port: port2 } satisfies EchoConfig, transferList: [port2] });
  try {
    const tcpPort = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const sock = net.connect({ host: '127.0.0.1', port: tcpPort, noDelay: true });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    const byte = Buffer.from([1]);
    const viaPort = () => new Promise<void>((r) => {
      port1.once('message', () => r());
      port1.postMessage(1);
    });
    const viaTcp = () => new Promise<void>((r) => {
      sock.once('data', () => r());
      sock.write(byte);
    });
    const rows: WakeupRow[] = [];
    for (const [channel, exchange] of [['port', viaPort], ['tcp', viaTcp]] as const) {
      for (const state of ['asleep', 'awake'] as const) {
        const gap = state === 'asleep' ? gapMs : 0;
        rows.push({ channel, state, gapMs: gap, oneWayUs: await measure(exchange, rounds, gap) });
      }
    }
    sock.destroy();
    return rows;
  } finally {
    port1.close();
    worker.postMessage('stop');
    await new Promise((r) => worker.once('exit', r));
  }
}

const fmt = (p: Percentiles) => `p50 ${p.p50.toFixed(0)} µs, p99 ${p.p99.toFixed(0)} µs, max ${p.max.toFixed(0)} µs`;

if (!isMainThread) echo();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runMain('usage: node dist/bench/wakeup.js [--rounds N] [--gap-ms G]\n', async () => {
    const { values } = parseFlags(process.argv.slice(2), { rounds: { type: 'string' }, 'gap-ms': { type: 'string' } });
    const rows = await measureWakeups(intFlag(values, 'rounds', 1, 1_000_000, 500), intFlag(values, 'gap-ms', 1, 10_000, 2));
    for (const r of rows) process.stdout.write(`${r.channel.padEnd(4)} ${r.state.padEnd(6)} one way: ${fmt(r.oneWayUs)}\n`);
    const flood = await floodTree(resolveTopology('middle-earth'), 108, 30);
    process.stdout.write(`flood of one byte from 108 over middle-earth, a thread per server: p50 ${flood.p50.toFixed(2)} ms, p90 ${flood.p90.toFixed(2)} ms, max ${flood.max.toFixed(2)} ms\n`);
  });
}
