// Latency toxics through crc-proxy as built here against another build of it (a baseline:
// before a scheduler change) and upstream toxiproxy, interleaved in one run, so a change to
// the precise scheduler (src/faults/scheduler.ts) is judged by ratios on the same machine
// state. Each round measures every proxy in turn (order rotated) at each delay: error of the
// one-way delay (p50, p99: bench/proxy/measure.ts latencyErrors), and per message the proxy's
// CPU (/proc/PID/stat, 10 ms ticks), its threads' wake-ups and their run-queue wait
// (/proc/PID/task/*/schedstat), and our scheduler's final-stretch turns (GET /crc/timers).
//   node dist/bench/proxy-ab.js --baseline DIR [--rounds 4] [--samples 1000] [--delays 1,10,100]
// DIR: a built copy of crc-sim (DIR/dist/src/cli/crc-proxy.js), e.g. made with
//   git archive <commit> | tar -x -C DIR && ln -s $PWD/node_modules DIR/ && (cd DIR && npx tsc -p tsconfig.build.json)
// Prints a table; writes nothing.
import os from 'node:os';
import { existsSync } from 'node:fs';
import { intFlag, parseFlags } from '../src/cli/args.ts';
import {
  type ProxyProcess, addLatency, crcTimerLateness, createProxy, deleteProxy, processCpuSeconds, processSchedStat, startCrcProxy, startToxiproxy, toxiproxyMissing,
} from './proxy/external-proxies.ts';
import { LATENCY_WARMUP_MESSAGES, latencyErrors, startStamper } from './proxy/measure.ts';

const { values } = parseFlags(process.argv.slice(2), {
  baseline: { type: 'string' },
  rounds: { type: 'string' },
  samples: { type: 'string' },
  delays: { type: 'string', default: '1,10,100' },
});
const ROUNDS = intFlag(values, 'rounds', 1, 100, 4);
const SAMPLES = intFlag(values, 'samples', 100, 100_000, 1000);
const DELAYS = values.delays!.split(',').map((d) => {
  const ms = Number(d);
  if (!Number.isInteger(ms) || ms < 1 || ms > 10_000) throw new Error(`--delays: each a whole number of ms from 1 to 10000, got '${d}'`);
  return ms;
});
const baselineEntry = values.baseline === undefined ? undefined : `${values.baseline}/dist/src/cli/crc-proxy.js`;
if (baselineEntry === undefined || !existsSync(baselineEntry)) {
  throw new Error(`--baseline: give a built copy of crc-sim (no ${baselineEntry ?? 'DIR'}/dist/src/cli/crc-proxy.js)`);
}

interface Cell { p50: number; p99: number; early: number; cpuUs: number; wakeups: number; waitUs: number; stretch: number }
const LABELS = ['toxiproxy', 'crc-proxy (baseline)', 'crc-proxy (this build)'] as const;
type Label = (typeof LABELS)[number];

const stamper = await startStamper();
const procs = new Map<Label, ProxyProcess>();
const cells = new Map<string, Cell[]>(); // `${label} ${ms}` -> one per round
const loadBefore = os.loadavg();
try {
  const missing = toxiproxyMissing();
  if (!missing) procs.set('toxiproxy', await startToxiproxy());
  else process.stdout.write(`toxiproxy skipped: ${missing}\n`);
  procs.set('crc-proxy (baseline)', await startCrcProxy([], baselineEntry));
  procs.set('crc-proxy (this build)', await startCrcProxy());
  const order = [...procs.keys()];
  for (let r = 0; r < ROUNDS; r++) {
    for (const ms of DELAYS) {
      for (let i = 0; i < order.length; i++) {
        const label = order[(i + r) % order.length]!;
        const p = procs.get(label)!;
        const name = `ab-lat${ms}`;
        const port = await createProxy(p.api, name, stamper.port);
        await addLatency(p.api, name, ms);
        try {
          const crc = label !== 'toxiproxy';
          if (crc) await crcTimerLateness(p.api);
          const cpu0 = processCpuSeconds(p.pid);
          const s0 = processSchedStat(p.pid);
          const e = await latencyErrors(port, stamper, ms, SAMPLES);
          const s1 = processSchedStat(p.pid);
          const n = SAMPLES + LATENCY_WARMUP_MESSAGES;
          const slices = s0 && s1 ? s1.slices - s0.slices : NaN;
          const stretch = crc ? (await crcTimerLateness(p.api)).stretchTurns ?? NaN : NaN;
          const cell: Cell = {
            p50: e.p50, p99: e.p99, early: e.early, cpuUs: ((processCpuSeconds(p.pid) - cpu0) * 1e6) / n,
            wakeups: slices / n, waitUs: s0 && s1 ? (s1.waitNs - s0.waitNs) / slices / 1000 : NaN, stretch: stretch / n,
          };
          const key = `${label} ${ms}`;
          cells.set(key, [...(cells.get(key) ?? []), cell]);
        } finally {
          await deleteProxy(p.api, name);
        }
      }
    }
    process.stdout.write(`round ${r + 1}/${ROUNDS} done (load ${os.loadavg()[0]!.toFixed(1)})\n`);
  }
} finally {
  for (const p of procs.values()) await p.stop();
  await stamper.stop();
}

const med = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const range = (xs: number[], d: number) => `${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})`;
const lines = [
  `proxy-ab: ${ROUNDS} rounds x ${SAMPLES} messages 2 ms apart per proxy and delay; load average before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ${os.loadavg().map((l) => l.toFixed(2)).join('/')}`,
  'median over rounds (min-max)',
  '| delay | proxy | error p50 (ms) | error p99 (ms) | early | CPU per message (µs) | wake-ups per message | run-queue wait per wake-up (µs) | final-stretch turns per message |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const ms of DELAYS) {
  for (const label of LABELS) {
    const cs = cells.get(`${label} ${ms}`);
    if (!cs) continue;
    const col = (k: keyof Cell, d: number) => range(cs.map((c) => c[k]), d);
    lines.push(`| ${ms} | ${label} | ${col('p50', 3)} | ${col('p99', 3)} | ${cs.reduce((a, c) => a + c.early, 0)} | ${col('cpuUs', 0)} | ${col('wakeups', 1)} | ${col('waitUs', 1)} | ${col('stretch', 1)} |`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
process.exit(0);
