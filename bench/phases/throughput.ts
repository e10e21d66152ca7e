// Routing throughput and one-way latency on middle-earth (servers in workers), side by side
// with two ceilings carrying the same bytes over the same number of hops: a raw TCP relay
// chain (no parsing) and a chain that only decodes frames and forwards them.
import type { RecordableHistogram } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { resolveTopology, serverDistances } from '../../src/topology/generate.ts';
import type { LoadResult, LoadTask } from '../load/load-task.ts';
import { startRelayChain } from '../relay/chain.ts';
import { type Percentiles, type Progress, freshId, merge, percentiles } from './common.ts';

export type System = 'crc' | 'raw' | 'decode';

export interface ThroughputRow {
  system: System;
  /** server-to-server links crossed ('mix': several pairs at once, of different lengths) */
  hops: number | 'mix';
  window: number;
  /** chat content bytes */
  size: number;
  pairs: number;
  msgsPerSec: number;
  mbPerSec: number;
  latencyUs: Percentiles;
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  errors: string[];
  /** the hop goal cases (3 and 5 hops, window 256, 64 B) run several times, crc and raw alternated: which run (1 first) */
  round?: number;
}

export interface ThroughputOptions {
  hops: number[];
  windows: number[];
  sizes: number[];
  durationMs: number;
  /** extra cases (e.g. the 64-byte goal case) as [hops, window, size] */
  extra?: Array<[number, number, number]>;
  mix: boolean;
  ceilings: boolean;
  /** runs of the hop goal cases (3 and 5 hops, window 256, 64 B), crc and raw chain alternated (default 1) */
  hopRounds?: number;
  /** window-1 cases only: wait this long after each delivery before the next send (a paced sender, as a low-rate open-loop flow) */
  paceMs?: number;
}

/** Pairs on middle-earth by server hops: [sender's server, receiver's server]. */
export const PAIRS: Record<number, [number, number]> = {
  0: [11, 11], // barad-dur to barad-dur
  1: [11, 7], // barad-dur -> minastirith
  3: [11, 2], // barad-dur -> minastirith -> lothlorien -> rivendale (the 108 -> 103)
  5: [9, 3], // isengard -> ... -> grey_havens (the diameter)
};
/** The all-pairs mix: four pairs of different lengths at once. */
export const MIX: Array<[number, number]> = [[11, 2], [9, 3], [5, 8], [10, 6]];

export async function runThroughput(opts: ThroughputOptions, progress: Progress, log: (l: string) => void): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const topology = resolveTopology('middle-earth');
  const cases: Array<[number, number, number]> = [];
  for (const h of opts.hops) for (const w of opts.windows) for (const s of opts.sizes) cases.push([h, w, s]);
  for (const c of opts.extra ?? []) if (!cases.some((x) => x.join() === c.join())) cases.push(c);
  const goalCases = cases.filter(([h, w, z]) => (h === 3 || h === 5) && w === 256 && z === 64).length;
  const total = cases.length * (opts.ceilings ? 3 : 1) + (opts.mix ? opts.windows.length : 0) + (opts.ceilings ? goalCases * 2 * Math.max(0, (opts.hopRounds ?? 1) - 1) : 0);
  progress.phase('throughput', total);

  // Load generators: a piscina pool of short tasks, one task per sender/receiver pair.
  const pool = new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 2, concurrentTasksPerWorker: 4, idleTimeout: 60_000 });
  const sim = await Simulation.start({ topology });
  try {
    await sim.converged({ timeoutMs: 20_000 });
    const run = async (system: System, hops: number | 'mix', window: number, size: number, tasks: LoadTask[], round?: number): Promise<void> => {
      const results = await Promise.all(tasks.map((t) => pool.run(t) as Promise<LoadResult>));
      const delivered = results.reduce((a, r) => a + r.delivered, 0);
      const bytes = results.reduce((a, r) => a + r.bytes, 0);
      const elapsed = Math.max(...results.map((r) => r.elapsedMs));
      const row: ThroughputRow = {
        system, hops, window, size, pairs: tasks.length,
        msgsPerSec: elapsed > 0 ? (delivered / elapsed) * 1000 : 0,
        mbPerSec: elapsed > 0 ? (bytes / elapsed) * 1000 / 1e6 : 0,
        latencyUs: percentiles(merge(results.map((r) => r.latency as RecordableHistogram))),
        sent: results.reduce((a, r) => a + r.sent, 0),
        delivered,
        lost: results.reduce((a, r) => a + r.lost, 0),
        duplicated: results.reduce((a, r) => a + r.duplicated, 0),
        reordered: results.reduce((a, r) => a + r.reordered, 0),
        errors: results.flatMap((r) => (r.error ? [r.error] : [])),
        ...(round === undefined ? {} : { round }),
      };
      rows.push(row);
      progress.tick('throughput', `${system} ${hops} hops w${window} ${size}B: ${Math.round(row.msgsPerSec).toLocaleString('en-US')} msgs/s`);
      if (row.errors.length) log(`throughput ${system} ${hops}/${window}/${size}: ${row.errors.join('; ')}`);
    };
    const crcTask = (from: number, to: number, window: number, size: number): LoadTask => ({
      mode: 'crc', senderPort: sim.port(from), receiverPort: sim.port(to), senderId: freshId(), receiverId: freshId(),
      window, size, durationMs: opts.durationMs, paceMs: window === 1 ? opts.paceMs : undefined,
    });

    const rounds = opts.hopRounds ?? 1;
    const isGoal = (hops: number, window: number, size: number) => rounds > 1 && opts.ceilings && (hops === 3 || hops === 5) && window === 256 && size === 64;
    const runCase = async (hops: number, window: number, size: number, systems: System[], round?: number) => {
      const [from, to] = PAIRS[hops]!;
      const d = serverDistances(topology, from).get(to);
      if (d !== hops) throw new Error(`bench pair for ${hops} hops is ${d} hops apart`);
      if (systems.includes('crc')) await run('crc', hops, window, size, [crcTask(from, to, window, size)], round);
      for (const mode of systems.filter((x): x is 'raw' | 'decode' => x !== 'crc')) {
        const chain = await startRelayChain(hops + 1, mode);
        try {
          await run(mode, hops, window, size, [{
            mode: 'raw', senderPort: chain.headPort, receiverPort: chain.tailPort, senderId: freshId(), receiverId: freshId(),
            window, size, durationMs: opts.durationMs,
          }], round);
        } finally {
          await chain.stop();
        }
      }
    };
    for (const [hops, window, size] of cases) {
      await runCase(hops, window, size, opts.ceilings ? ['crc', 'raw', 'decode'] : ['crc'], isGoal(hops, window, size) ? 1 : undefined);
    }
    // The goal cases again, crc and raw alternated, so their ratio is a median over runs with its spread.
    for (let round = 2; round <= rounds; round++) {
      for (const [hops, window, size] of cases) if (isGoal(hops, window, size)) await runCase(hops, window, size, ['crc', 'raw'], round);
    }
    if (opts.mix) {
      const size = opts.sizes.includes(64) ? 64 : opts.sizes[0]!;
      for (const window of opts.windows) await run('crc', 'mix', window, size, MIX.map(([f, t]) => crcTask(f, t, window, size)));
    }
  } finally {
    progress.done('throughput');
    await sim.stop();
    await pool.destroy();
  }
  return rows;
}
