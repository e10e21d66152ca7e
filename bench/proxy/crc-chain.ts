// The proxy bench's CRC measurement (d): a chain of 4 of our servers (3 server links), 256
// chats of 64 bytes in flight from a client of the first to a client of the last, with the
// links direct or through empty proxies placed as the simulator places them. Each placement
// is its own Simulation, all started up front and measured in interleaved rounds, so a load
// burst from a neighbour hits one round of each rather than one placement.
import type { RecordableHistogram } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { builtUrl } from '../../src/coordinator/worker-handle.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { ProxyPlacement } from '../../src/coordinator/links.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import type { LoadResult } from '../load/load-task.ts';
import { type Percentiles, freshId, percentiles } from '../phases/common.ts';

export const CHAIN_SERVERS = 4;
export const CHAIN_WINDOW = 256;
export const CHAIN_CHAT_BYTES = 64;

/** 'direct': no proxies; otherwise every server link through an empty proxy placed so. */
export type ChainMode = 'direct' | ProxyPlacement;

export interface ChainRun {
  msgsPerSec: number;
  latencyUs: Percentiles;
  delivered: number;
  lost: number;
  errors: string[];
  /** CPU seconds of the whole process (all threads) per message, µs: comparable under load */
  cpuUsPerMsg: number;
}

export interface ChainRound {
  mode: ChainMode;
  runs: ChainRun[];
}

export async function crcChain(modes: ChainMode[], rounds: number, seconds: number, log: (s: string) => void): Promise<ChainRound[]> {
  const topology = resolveTopology(`chain:${CHAIN_SERVERS}`);
  const pool = new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 1, idleTimeout: 60_000 });
  const sims = new Map<ChainMode, Simulation>();
  try {
    for (const mode of modes) {
      const sim = await Simulation.start(mode === 'direct'
        ? { topology }
        : { topology, proxyLinks: 'all', proxyPlacement: mode });
      sims.set(mode, sim);
      await sim.converged({ timeoutMs: 20_000 });
    }
    const load = (sim: Simulation, ms: number) => pool.run({
      mode: 'crc', senderPort: sim.port(1), receiverPort: sim.port(CHAIN_SERVERS), senderId: freshId(), receiverId: freshId(),
      window: CHAIN_WINDOW, size: CHAIN_CHAT_BYTES, durationMs: ms,
    }) as Promise<LoadResult>;
    // A first second on each, not counted: the JIT warms up every thread's hot path.
    for (const sim of sims.values()) await load(sim, 1000);
    const out: ChainRound[] = modes.map((mode) => ({ mode, runs: [] }));
    for (let r = 0; r < rounds; r++) {
      for (const row of out) {
        const sim = sims.get(row.mode)!;
        const c0 = process.cpuUsage();
        const res = await load(sim, seconds * 1000);
        const cpu = process.cpuUsage(c0);
        const run: ChainRun = {
          msgsPerSec: res.elapsedMs > 0 ? (res.delivered / res.elapsedMs) * 1000 : 0,
          latencyUs: percentiles(res.latency as RecordableHistogram),
          delivered: res.delivered, lost: res.lost, errors: res.error ? [res.error] : [],
          cpuUsPerMsg: res.delivered > 0 ? (cpu.user + cpu.system) / res.delivered : NaN,
        };
        row.runs.push(run);
        log(`  ${row.mode}: ${Math.round(run.msgsPerSec).toLocaleString('en')} msgs/s, p50 ${run.latencyUs.p50.toFixed(0)} µs, ${run.cpuUsPerMsg.toFixed(2)} CPU µs/msg\n`);
      }
    }
    return out;
  } finally {
    for (const sim of sims.values()) await sim.stop();
    await pool.destroy();
  }
}
