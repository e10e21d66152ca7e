// What one chat costs each thread over the bench's hop goal path, ours against the raw relay
// chain, alternated in one process: CPU time (schedstat), read and write syscalls and their
// bytes (io), and wake-ups (voluntary context switches), per delivered message, read from the
// kernel's per-thread counters (thread-stats.ts), so the code under test is not touched.
// Ours is middle-earth with one server per worker, load from a piscina worker, as
// bench/phases/throughput.ts runs it; the raw chain has as many relays, each in a worker.
//   node dist/bench/relay/hop-cost.js [--hops 3] [--window 256] [--size 64] [--count 300000]
//        [--rounds 3] [--systems crc,raw] [--warmup M] [--json FILE]
// A first unrecorded run of each system (--warmup messages, default count / 4) lets the JIT settle.
// Linux only (/proc/self/task).
import { loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { Piscina } from 'piscina';
import { intFlag, parseFlags, runMain, UsageError } from '../../src/cli/args.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { resolveTopology, serverDistances } from '../../src/topology/generate.ts';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import type { LoadResult, LoadTask } from '../load/load-task.ts';
import { PAIRS } from '../phases/throughput.ts';
import { freshId } from '../phases/common.ts';
import { startRelayChain } from './chain.ts';
import { type ThreadCounters, diffCounters, sumCounters, threadCounters } from './thread-stats.ts';

const USAGE = 'usage: node dist/bench/relay/hop-cost.js [--hops 3|5|1|0] [--window W] [--size B] [--count M] [--rounds R] [--systems crc,raw,decode] [--warmup M] [--json FILE]\n';

type System = 'crc' | 'raw' | 'decode';

interface ThreadRow extends ThreadCounters {
  label: string;
}

interface RunRow {
  system: System;
  round: number;
  msgs: number;
  msgsPerSec: number;
  loadavg: number;
  threads: ThreadRow[];
  total: ThreadCounters;
}

/**
 * The tid of each server's worker thread: the one thread that ran during a call in which the
 * worker read its own CPU counter, and whose counter before and after the call brackets it.
 */
async function serverTids(sim: Simulation): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const w of sim.workers) {
    if (w.kind !== 'servers') continue;
    const before = threadCounters();
    const own = await w.call('thread cpu', (api) => api.threadCpuNs(), 5000);
    const after = threadCounters();
    const found = [...after].filter(([tid, a]) => {
      const b = before.get(tid);
      return b !== undefined && a.cpuNs > b.cpuNs && b.cpuNs <= own && own <= a.cpuNs;
    });
    if (found.length === 1) for (const h of w.hosts) out.set(h, found[0]![0]);
  }
  return out;
}

const perMsg = (x: number, n: number) => x / n;

function printRun(r: RunRow): void {
  const line = (t: ThreadCounters & { label: string }) => {
    const n = r.msgs;
    const cols = [
      t.label.padEnd(22),
      (perMsg(t.cpuNs, n) / 1000).toFixed(3).padStart(7),
      perMsg(t.syscr, n).toFixed(4).padStart(8),
      perMsg(t.syscw, n).toFixed(4).padStart(8),
      (t.syscr ? t.rchar / t.syscr : 0).toFixed(0).padStart(7),
      (t.syscw ? t.wchar / t.syscw : 0).toFixed(0).padStart(7),
      perMsg(t.voluntary, n).toFixed(4).padStart(8),
      perMsg(t.involuntary, n).toFixed(4).padStart(8),
      (t.voluntary ? n / t.voluntary : 0).toFixed(0).padStart(7),
      (perMsg(t.waitNs, n) / 1000).toFixed(3).padStart(7),
    ];
    process.stdout.write(cols.join(' ') + '\n');
  };
  process.stdout.write(`\n${r.system} round ${r.round}: ${r.msgs} msgs, ${Math.round(r.msgsPerSec).toLocaleString('en-US')} msgs/s, load ${r.loadavg.toFixed(1)}\n`);
  process.stdout.write(`${'thread'.padEnd(22)} ${'cpu µs'.padStart(7)} ${'reads'.padStart(8)} ${'writes'.padStart(8)} ${'B/read'.padStart(7)} ${'B/write'.padStart(7)} ${'wakes'.padStart(8)} ${'preempt'.padStart(8)} ${'msg/wk'.padStart(7)} ${'rq µs'.padStart(7)}   (per message)\n`);
  for (const t of r.threads) line(t);
  line({ ...r.total, label: 'all threads' });
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    hops: { type: 'string' }, window: { type: 'string' }, size: { type: 'string' }, count: { type: 'string' },
    rounds: { type: 'string' }, systems: { type: 'string' }, warmup: { type: 'string' }, json: { type: 'string' },
  });
  const hops = intFlag(values, 'hops', 0, 5, 3);
  if (PAIRS[hops] === undefined) throw new UsageError(`--hops must be one of ${Object.keys(PAIRS).join(', ')}, got ${hops}`);
  const window = intFlag(values, 'window', 1, 100_000, 256);
  const size = intFlag(values, 'size', 16, 65_536, 64);
  const count = intFlag(values, 'count', 1000, 10_000_000, 300_000);
  const rounds = intFlag(values, 'rounds', 1, 100, 3);
  const warmup = intFlag(values, 'warmup', 0, 10_000_000, Math.floor(count / 4));
  const systems = (values.systems ?? 'crc,raw').split(',') as System[];
  for (const s of systems) if (!['crc', 'raw', 'decode'].includes(s)) throw new UsageError(`--systems: unknown system '${s}' (crc, raw, decode)`);
  readFileSync('/proc/self/task/' + process.pid + '/io'); // fails early, naming the file, where there is no per-thread io

  const topology = resolveTopology('middle-earth');
  const [from, to] = PAIRS[hops]!;
  const dist = serverDistances(topology, from);
  const toDist = serverDistances(topology, to);
  const nameOf = new Map(topology.servers.map((s) => [s.name, s.id]));
  const pool = new Piscina({ filename: builtUrl('bench/relay/hop-cost-task').href, minThreads: 1, maxThreads: 1, idleTimeout: 600_000 });
  const sim = await Simulation.start({ topology });
  const runs: RunRow[] = [];
  try {
    await sim.converged({ timeoutMs: 20_000 });
    const tids = await serverTids(sim);
    const labelOf = new Map<number, string>([[process.pid, 'main (coordinator)']]);
    for (const [name, tid] of tids) {
      const id = nameOf.get(name);
      const onPath = id !== undefined && dist.get(id)! + toDist.get(id)! === hops;
      labelOf.set(tid, onPath ? `server ${dist.get(id!)} ${name}` : 'servers off the path');
    }
    for (let round = warmup > 0 ? 0 : 1; round <= rounds; round++) {
      for (const system of systems) {
        const chain = system === 'crc' ? undefined : await startRelayChain(hops + 1, system);
        const labels = new Map(labelOf);
        chain?.tids.forEach((t, i) => t !== undefined && labels.set(t, `relay ${i}`));
        const task: LoadTask = chain
          ? { mode: 'raw', senderPort: chain.headPort, receiverPort: chain.tailPort, senderId: freshId(), receiverId: freshId(), window, size, count }
          : { mode: 'crc', senderPort: sim.port(from), receiverPort: sim.port(to), senderId: freshId(), receiverId: freshId(), window, size, count };
        if (round === 0) task.count = warmup;
        const before = threadCounters();
        const res = await pool.run(task) as LoadResult & { tid?: number };
        const after = threadCounters();
        await chain?.stop();
        if (res.error) throw new Error(`${system} round ${round}: ${res.error}`);
        if (round === 0) continue; // the warm-up
        if (res.tid !== undefined) labels.set(res.tid, 'load (piscina)');
        const byLabel = new Map<string, ThreadCounters[]>();
        for (const [tid, d] of diffCounters(before, after)) {
          const label = labels.get(tid) ?? (process.env.HOP_COST_TIDS ? `other ${tid}` : 'other threads');
          (byLabel.get(label) ?? byLabel.set(label, []).get(label)!).push(d);
        }
        const threads = [...byLabel].map(([label, ds]) => ({ label, ...sumCounters(ds) })).sort((a, b) => a.label.localeCompare(b.label));
        // Setup (registration, the route) is inside the task's span: per message it is noise at these counts.
        const row: RunRow = {
          system, round, msgs: res.delivered, msgsPerSec: res.elapsedMs > 0 ? res.delivered / res.elapsedMs * 1000 : 0,
          loadavg: loadavg()[0]!, threads, total: sumCounters(threads),
        };
        runs.push(row);
        printRun(row);
      }
    }
  } finally {
    await sim.stop();
    await pool.destroy();
  }
  // The median of each system's CPU per message, and crc/raw per round.
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write('\nsummary (per delivered message, median over rounds):\n');
  for (const s of systems) {
    const rs = runs.filter((r) => r.system === s);
    const cpu = med(rs.map((r) => r.total.cpuNs / r.msgs / 1000));
    const wakes = med(rs.map((r) => r.total.voluntary / r.msgs));
    const sys = med(rs.map((r) => (r.total.syscr + r.total.syscw) / r.msgs));
    process.stdout.write(`  ${s}: cpu ${cpu.toFixed(2)} µs, syscalls ${sys.toFixed(3)}, wake-ups ${wakes.toFixed(3)}, msgs/s ${med(rs.map((r) => r.msgsPerSec)).toFixed(0)}\n`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ hops, window, size, count, runs }, null, 2) + '\n');
});
