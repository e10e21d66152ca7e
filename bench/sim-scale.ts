// How big a network the sim starts and converges: `node dist/bench/sim-scale.js tree:10000`
// starts every server of a generated topology in this thread on virtual time (all joins at
// once, as the real lifecycle does), then runs the clock until every server's own table holds
// every other host, read off the cores (the Ledger is not fed: 10,000 servers learn 10^8
// hosts). Prints virtual and wall time to convergence, CPU, peak RSS and the records held.
import { performance } from 'node:perf_hooks';
import { SimNetwork } from '../src/sim/sim-network.ts';
import { resolveTopology } from '../src/topology/generate.ts';
import { VirtualClock } from '../src/util/virtual-clock.ts';

/** How often (virtual ms) convergence is looked at, and progress printed. */
const LOOK_EVERY_MS = 100;
/** Give up after this much virtual time. */
const MAX_VIRTUAL_MS = 3_600_000;

const spec = process.argv[2] ?? 'tree:1000';
const topology = resolveTopology(spec);
const n = topology.servers.length;
const clock = new VirtualClock();
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
let peakRss = 0;
const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
const rssTimer = setInterval(sampleRss, 200);

const run = async () => {
  const net = await SimNetwork.start({ topology, clock, proxyLinks: [], observe: false });
  const startedWall = performance.now() - wall0;
  const startedVirtual = clock.now();
  for (;;) {
    const counts = net.knownCounts();
    let done = 0;
    for (const c of counts.values()) if (c === n - 1) done++;
    if (done === n) break;
    if (clock.now() > MAX_VIRTUAL_MS) throw new Error(`not converged after ${MAX_VIRTUAL_MS} virtual ms: ${done} of ${n} servers know every host`);
    if (clock.now() % 1000 === 0) process.stderr.write(`  ${(clock.now() / 1000).toFixed(1)} s virtual, ${((performance.now() - wall0) / 1000).toFixed(1)} s wall: ${done}/${n} servers complete\n`);
    await clock.sleepUntil(clock.now() + LOOK_EVERY_MS);
  }
  const convergedVirtual = clock.now();
  const convergedWall = performance.now() - wall0;
  sampleRss();
  await net.stop();
  return { startedWall, startedVirtual, convergedVirtual, convergedWall };
};

const r = await clock.runWhile(run());
clearInterval(rssTimer);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  topology: spec, servers: n, records: n * (n - 1),
  startWallMs: Math.round(r.startedWall), convergedVirtualMs: r.convergedVirtual, convergedWallMs: Math.round(r.convergedWall),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000), peakRssMiB: Math.round(peakRss / 2 ** 20),
  node: process.version,
}));
