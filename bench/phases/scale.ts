// Scale sweep: generated trees of 11, 100 and 1,000 servers. For each: convergence after a
// quit by a client at one end of the tree's diameter (so the news must cross the whole tree),
// and throughput along that longest path.
import type { RecordableHistogram } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { builtUrl } from '../../src/coordinator/worker-handle.ts';
import { diameter, resolveTopology } from '../../src/topology/generate.ts';
import { parseTopology } from '../../src/topology/schema.ts';
import type { LoadResult } from '../load/load-task.ts';
import { type Percentiles, type Progress, freshId, percentiles } from './common.ts';
import { measureQuit } from './convergence.ts';

export interface ScaleRow {
  topology: string;
  servers: number;
  diameter: number;
  serversPerWorker: number;
  startMs: number;
  convergeMs: number;
  quitMs: Percentiles;
  longestPath: { msgsPerSec: number; latencyUs: Percentiles; lost: number; duplicated: number; reordered: number; window: number; size: number };
}

export async function runScale(opts: { sizes: number[]; repeats: number; durationMs: number }, progress: Progress, log: (l: string) => void): Promise<ScaleRow[]> {
  progress.phase('scale', opts.sizes.length * (opts.repeats + 2));
  const rows: ScaleRow[] = [];
  const pool = new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 1 });
  try {
    for (const n of opts.sizes) {
      const base = resolveTopology(n === 11 ? 'middle-earth' : `tree:${n}:7`);
      const d = diameter(base);
      // One client at each end of the diameter: the quitter and the far end.
      const topology = parseTopology({
        ...base,
        name: base.name,
        clients: [
          { id: 500_001, name: 'end-a', info: 'bench', server: d.from },
          { id: 500_002, name: 'end-b', info: 'bench', server: d.to },
        ],
      }, base.name);
      const k = n <= 11 ? 1 : n <= 100 ? 10 : 50;
      const t0 = performance.now();
      const sim = await Simulation.start({ topology, serversPerWorker: k });
      try {
        await sim.converged({ timeoutMs: 120_000 });
        const convergeMs = performance.now() - t0;
        progress.tick('scale', `${topology.name}: converged in ${convergeMs.toFixed(0)} ms`);
        const quit = await measureQuit({ sim, topology, quitter: 500_001, repeats: opts.repeats, linkLatencyMs: 0, links: 'direct', diameter: d.hops, serversPerWorker: k }, progress, 'scale');
        const r = (await pool.run({
          mode: 'crc', senderPort: sim.port(d.from), receiverPort: sim.port(d.to), senderId: freshId(), receiverId: freshId(),
          window: 256, size: 64, durationMs: opts.durationMs, timeoutMs: 30_000,
        })) as LoadResult;
        if (r.error) log(`scale ${topology.name} longest path: ${r.error}`);
        progress.tick('scale', `${topology.name}: ${Math.round((r.delivered / r.elapsedMs) * 1000).toLocaleString('en-US')} msgs/s over ${d.hops} hops`);
        rows.push({
          topology: topology.name, servers: n, diameter: d.hops, serversPerWorker: k, startMs: sim.timings.startMs, convergeMs,
          quitMs: quit.ms,
          longestPath: {
            msgsPerSec: r.elapsedMs > 0 ? (r.delivered / r.elapsedMs) * 1000 : 0,
            latencyUs: percentiles(r.latency as RecordableHistogram), lost: r.lost, duplicated: r.duplicated, reordered: r.reordered,
            window: 256, size: 64,
          },
        });
      } finally {
        await sim.stop();
      }
    }
  } finally {
    progress.done('scale');
    await pool.destroy();
  }
  return rows;
}

