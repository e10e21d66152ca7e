// Where a quit's convergence time goes, against the code-free flood in the same process: client
// 108 (on barad-dur) quits on middle-earth, and a round of the flood (bench/flood.ts: the same
// tree of threads, one byte forwarded with no CRC code) runs before each quit. For both:
//   - each node's first stamp (host-forgotten, taken in the thread where it happened; the
//     flood's first read) against the send, so each hop's cost shows;
//   - each thread's CPU over the round (the flood's node threads against the simulation's);
//   - what the process's threads did in a fixed window from the send, by group (coordinator,
//     simulation threads, flood threads): times put on a CPU (wake-ups) and CPU ms, beside an
//     idle window of the same length (Linux schedstat).
// Usage:
//   node dist/bench/quit-timeline.js [--servers-per-worker K] [--repeats R] [--window-ms W] [--quiet]
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { Simulation } from '../src/coordinator/simulation.ts';
import type { SimEvent } from '../src/threads/worker-api.ts';
import { resolveTopology } from '../src/topology/generate.ts';
import { nowMs } from '../src/util/clock.ts';
import { type FloodRound, FloodTree } from './flood.ts';
import { samplePercentiles } from './phases/common.ts';
import { threadCpuNs } from '../src/faults/proxy-table.ts';
import { type ThreadTimes, type ThreadWork, threadTimes, threadWork } from './thread-cpu.ts';

const QUITTER = 108;
const USAGE = 'usage: node dist/bench/quit-timeline.js [--servers-per-worker K] [--repeats R] [--window-ms W] [--quiet]\n';
const GROUPS = ['coordinator', 'simulation', 'flood', 'other'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const median = (xs: number[]) => samplePercentiles(xs).p50;

interface Round extends FloodRound {
  /** by thread group, in the window from the send (undefined off Linux) */
  work: Map<string, ThreadWork> | undefined;
  /** CPU µs per thread over the round: the server's id, 0 for the clients' worker, -1 for the coordinator's thread */
  cpuUs: Map<number, number>;
}

/** Each of the simulation's worker threads' CPU (ns) by the id of its (first) server; 0: the clients' worker. */
async function simCpuNs(sim: Simulation): Promise<Map<number, number>> {
  const idOf = new Map(sim.topology.servers.map((s) => [s.name, s.id]));
  const out = new Map<number, number>();
  await Promise.all(sim.workers.filter((w) => w.alive).map(async (w) => {
    const ns = await w.call('thread cpu', (api) => api.threadCpuNs(), 2000);
    out.set(w.kind === 'clients' ? 0 : idOf.get(w.hosts[0]!) ?? -2, ns);
  }));
  return out;
}

function cpuDiff(before: Map<number, number>, after: Map<number, number>, coordinatorUs: number): Map<number, number> {
  const out = new Map([...after].map(([k, v]) => [k, (v - (before.get(k) ?? NaN)) / 1000]));
  out.set(-1, coordinatorUs);
  return out;
}

/** Tids that appeared between two readings. */
const newTids = (before: ThreadTimes | undefined, after: ThreadTimes | undefined) => new Set([...after?.keys() ?? []].filter((t) => !before?.has(t)));

function line(name: string, r: Round): string {
  const order = [...r.stamps].sort((a, b) => a[1] - b[1]).map(([n, t]) => `${n}@${t.toFixed(2)}`).join(' ');
  return `${name} ${r.totalMs.toFixed(2)} ms: ${order}`;
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    'servers-per-worker': { type: 'string' }, repeats: { type: 'string' }, 'window-ms': { type: 'string' }, quiet: { type: 'boolean' },
  });
  const k = intFlag(values, 'servers-per-worker', 1, 1000, 1);
  const repeats = intFlag(values, 'repeats', 1, 255, 15);
  const windowMs = intFlag(values, 'window-ms', 5, 1000, 30);
  const topology = resolveTopology('middle-earth');
  const seen = new Map<number, number>();
  const t0 = threadTimes();
  const flood = await FloodTree.start(topology, QUITTER);
  const t1 = threadTimes();
  let sim: Simulation | undefined;
  try {
    sim = await Simulation.start({
      topology, serversPerWorker: k,
      onEvent: (e: SimEvent) => {
        if (e.type === 'host-forgotten' && e.id === QUITTER && !seen.has(e.node)) seen.set(e.node, e.t);
      },
    });
    const floodTids = newTids(t0, t1);
    const simTids = newTids(t1, threadTimes());
    const groupOf = (tid: string) => (tid === String(process.pid) ? 'coordinator' : simTids.has(tid) ? 'simulation' : floodTids.has(tid) ? 'flood' : 'other');
    /** What the threads did in windowMs from `at`, by group (`before` read at `at`). */
    const workSince = async (before: ThreadTimes | undefined, at: number) => {
      await sleep(at + windowMs - nowMs());
      const after = threadTimes();
      return before && after ? threadWork(before, after, groupOf) : undefined;
    };

    await sim.converged({ timeoutMs: 20_000 });
    const spec = topology.clients.find((c) => c.id === QUITTER)!;
    const quits: Round[] = [];
    const floods: Round[] = [];
    const idle: Array<Map<string, ThreadWork>> = [];
    for (let i = 0; i < repeats; i++) {
      // Idle: what the threads do anyway (timers, probes) in a window as long.
      await sleep(20);
      const w = await workSince(threadTimes(), nowMs());
      if (w) idle.push(w);

      let cpu0 = await flood.cpuNs();
      await sleep(20); // everyone asleep again
      let main0 = threadCpuNs();
      let before = threadTimes();
      let at = nowMs();
      const floodSent = await flood.send();
      const floodWork = await workSince(before, at); // the flood's stamps are asked for after the window
      let mainUs = (threadCpuNs() - main0) / 1000;
      floods.push({ ...await flood.collect(floodSent), work: floodWork, cpuUs: cpuDiff(cpu0, await flood.cpuNs(), mainUs) });

      cpu0 = await simCpuNs(sim);
      await sleep(20);
      seen.clear();
      main0 = threadCpuNs();
      before = threadTimes();
      at = nowMs();
      const sentAt = await sim.quit(QUITTER, 'timeline');
      const { at: doneAt } = await sim.forgotten(QUITTER, { timeoutMs: 10_000 });
      const work = await workSince(before, at);
      mainUs = (threadCpuNs() - main0) / 1000;
      const stamps = new Map([...seen].map(([n, t]) => [n, t - sentAt]));
      quits.push({ totalMs: doneAt - sentAt, stamps, work, cpuUs: cpuDiff(cpu0, await simCpuNs(sim), mainUs) });
      if (!values.quiet) process.stdout.write(`#${i + 1}\n  ${line('flood', floods.at(-1)!)}\n  ${line('quit ', quits.at(-1)!)}\n`);
      await sim.addClient(spec);
      await sim.known(QUITTER, { timeoutMs: 10_000 });
      await sim.converged({ timeoutMs: 10_000 });
    }

    const q = median(quits.map((r) => r.totalMs));
    const fl = median(floods.map((r) => r.totalMs));
    process.stdout.write(`\nservers per worker ${k}, ${repeats} rounds each, interleaved: quit median ${q.toFixed(2)} ms, flood median ${fl.toFixed(2)} ms, quit/flood ${(q / fl).toFixed(2)}\n`);

    // Per node: the median stamp, so where the quit falls behind the flood shows hop by hop.
    const at = (rs: Round[], n: number) => median(rs.map((r) => r.stamps.get(n)).filter((x): x is number => x !== undefined));
    const nodes = [...floods[0]!.stamps.keys()].sort((a, b) => at(floods, a) - at(floods, b));
    process.stdout.write('node   flood p50   quit p50   quit - flood (ms)\n');
    for (const n of nodes) {
      const a = at(floods, n);
      const b = at(quits, n);
      process.stdout.write(`${String(n).padStart(4)}   ${a.toFixed(2).padStart(9)}   ${b.toFixed(2).padStart(8)}   ${(b - a).toFixed(2).padStart(8)}\n`);
    }

    // Per thread: the CPU it spent on the round, from before the send to after the window.
    process.stdout.write('thread            flood CPU p50 (µs)   quit CPU p50 (µs)\n');
    let sumF = 0;
    let sumQ = 0;
    for (const t of [...quits[0]!.cpuUs.keys()].sort((a, b) => a - b)) {
      const a = median(floods.map((r) => r.cpuUs.get(t) ?? NaN));
      const b = median(quits.map((r) => r.cpuUs.get(t) ?? NaN));
      sumF += a;
      sumQ += b;
      const name = t === -1 ? 'coordinator' : t === 0 ? 'clients' : `server ${t}`;
      process.stdout.write(`${name.padEnd(16)}  ${a.toFixed(0).padStart(18)}   ${b.toFixed(0).padStart(17)}\n`);
    }
    process.stdout.write(`${'sum of medians'.padEnd(16)}  ${sumF.toFixed(0).padStart(18)}   ${sumQ.toFixed(0).padStart(17)}\n`);

    if (idle.length > 0) {
      process.stdout.write(`threads in ${windowMs} ms from the send, medians: times put on a CPU / CPU ms, by group\n`);
      process.stdout.write(`        ${GROUPS.map((g) => g.padStart(16)).join('')}\n`);
      const row = (name: string, ws: Array<Map<string, ThreadWork> | undefined>) => {
        const cell = (g: string) => {
          const xs = ws.map((w) => w?.get(g) ?? { threads: 0, runs: 0, cpuMs: 0 });
          return `${median(xs.map((x) => x.runs))} / ${median(xs.map((x) => x.cpuMs)).toFixed(2)}`.padStart(16);
        };
        process.stdout.write(`${name.padEnd(8)}${GROUPS.map(cell).join('')}\n`);
      };
      row('idle', idle);
      row('flood', floods.map((r) => r.work));
      row('quit', quits.map((r) => r.work));
    }
  } finally {
    await sim?.stop();
    flood.stop();
  }
});
