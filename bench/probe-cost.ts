// What the lateness probes cost (docs/host-lateness.md): one 10 ms timer per worker thread.
// Starts middle-earth (11 server threads, a client thread, proxies in the dialling threads) with
// the probes on, then off (CRC_LATENESS_PROBES=off, read by each new worker), alternating, and
// measures this process's CPU time (all its threads) over an idle window and over a window of
// traffic. Prints one JSON line: the median CPU ms per window of each, and off/on ratios.
//   node dist/bench/probe-cost.js [--rounds 3] [--window-ms 3000] [--rate 1000]
import { intFlag, parseFlags } from '../src/cli/args.ts';
import { Simulation } from '../src/coordinator/simulation.ts';
import { resolveTopology } from '../src/topology/generate.ts';

const { values } = parseFlags(process.argv.slice(2), {
  rounds: { type: 'string', default: '3' },
  'window-ms': { type: 'string', default: '3000' },
  rate: { type: 'string', default: '1000' },
});
const rounds = intFlag(values, 'rounds', 1, 50, 3);
const windowMs = intFlag(values, 'window-ms', 100, 60_000, 3000);
const rate = intFlag(values, 'rate', 1, 100_000, 1000);
const topology = resolveTopology('middle-earth');

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One network's idle and traffic windows (CPU ms of the whole process: every thread). */
async function measure(probes: boolean): Promise<{ idle: number; traffic: number }> {
  if (probes) delete process.env.CRC_LATENESS_PROBES;
  else process.env.CRC_LATENESS_PROBES = 'off';
  const sim = await Simulation.start({ topology, callTimeoutMs: 120_000 });
  try {
    await sim.converged({ timeoutMs: 120_000 });
    await sleep(500);
    let c = process.cpuUsage();
    await sleep(windowMs);
    const idle = cpuMs(c);
    c = process.cpuUsage();
    await sim.traffic(101, 106, rate, 128, windowMs);
    const traffic = cpuMs(c);
    return { idle, traffic };
  } finally {
    await sim.stop();
  }
}

const on: Array<{ idle: number; traffic: number }> = [];
const off: Array<{ idle: number; traffic: number }> = [];
for (let r = 0; r < rounds; r++) {
  // A and B alternate, each first in every other round: drift in the machine's load falls on both.
  for (const probes of r % 2 === 0 ? [true, false] : [false, true]) (probes ? on : off).push(await measure(probes));
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2).toFixed(1);
};
const idleOn = median(on.map((x) => x.idle));
const idleOff = median(off.map((x) => x.idle));
const trafficOn = median(on.map((x) => x.traffic));
const trafficOff = median(off.map((x) => x.traffic));
process.stdout.write(JSON.stringify({
  topology: topology.name, rounds, windowMs, rate, cpuMsPerWindow: { idleOn, idleOff, trafficOn, trafficOff },
  probeCpuMsPerSecond: { idle: +((idleOn - idleOff) / (windowMs / 1000)).toFixed(1), traffic: +((trafficOn - trafficOff) / (windowMs / 1000)).toFixed(1) },
  ratioOnOff: { idle: +(idleOn / idleOff).toFixed(3), traffic: +(trafficOn / trafficOff).toFixed(3) },
  loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  raw: { on, off },
}) + '\n');
