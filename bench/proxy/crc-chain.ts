// The proxy bench's CRC measurements, on our own servers in worker threads as the simulator
// runs them:
//   (d) a chain of 4 servers (3 server links), 256 chats of 64 bytes in flight from a client
//       of the first to a client of the last, the links direct or through empty proxies in
//       each placement. Every placement is its own Simulation, all started up front and
//       measured in interleaved rounds, so a neighbour's load burst hits one round of each.
//   (f) injected latency as placed: a chain of 2 with a latency toxic on its link (in the
//       default placement, inside the dialling server's thread), a window of 8 chats.
import type { RecordableHistogram } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import type { ProxyPlacement } from '../../src/placement/index.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import type { LoadResult, LoadTask } from '../load/load-task.ts';
import { type Percentiles, freshId, percentiles } from '../phases/common.ts';

export const CHAIN_SERVERS = 4;
export const CHAIN_WINDOW = 256;
export const CHAIN_CHAT_BYTES = 64;
export const PLACED_WINDOW = 8;

/** 'direct': no proxies; otherwise every server link through an empty proxy placed so. */
export type ChainMode = 'direct' | ProxyPlacement;

export interface ChainRun {
  msgsPerSec: number;
  latencyUs: Percentiles;
  delivered: number;
  lost: number;
  errors: string[];
  /** CPU time of the whole process (all threads, user + system) per chat delivered, µs */
  cpuUsPerMsg: number;
}

export interface ChainRound {
  mode: ChainMode;
  runs: ChainRun[];
}

const pool = () => new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 1, idleTimeout: 60_000 });

function task(sim: Simulation, from: number, to: number, window: number, extra: Partial<LoadTask>): LoadTask {
  return { mode: 'crc', senderPort: sim.port(from), receiverPort: sim.port(to), senderId: freshId(), receiverId: freshId(), window, size: CHAIN_CHAT_BYTES, ...extra };
}

export async function crcChain(modes: ChainMode[], rounds: number, seconds: number, log: (s: string) => void): Promise<ChainRound[]> {
  const topology = resolveTopology(`chain:${CHAIN_SERVERS}`);
  const p = pool();
  const sims = new Map<ChainMode, Simulation>();
  try {
    for (const mode of modes) {
      const sim = await Simulation.start(mode === 'direct' ? { topology } : { topology, proxyLinks: 'all', proxyPlacement: mode });
      sims.set(mode, sim);
      await sim.converged({ timeoutMs: 20_000 });
    }
    const load = (sim: Simulation, ms: number) => p.run(task(sim, 1, CHAIN_SERVERS, CHAIN_WINDOW, { durationMs: ms })) as Promise<LoadResult>;
    // A first second on each, not counted: the JIT warms up every thread's hot path.
    for (const sim of sims.values()) await load(sim, 1000);
    const out: ChainRound[] = modes.map((mode) => ({ mode, runs: [] }));
    for (let r = 0; r < rounds; r++) {
      for (const row of out) {
        const c0 = process.cpuUsage();
        const res = await load(sims.get(row.mode)!, seconds * 1000);
        const cpu = process.cpuUsage(c0);
        const run: ChainRun = {
          msgsPerSec: res.elapsedMs > 0 ? (res.delivered / res.elapsedMs) * 1000 : 0,
          latencyUs: percentiles(res.latency as RecordableHistogram),
          delivered: res.delivered, lost: res.lost, errors: res.error ? [res.error] : [],
          cpuUsPerMsg: res.delivered > 0 ? (cpu.user + cpu.system) / res.delivered : NaN,
        };
        row.runs.push(run);
        log(`  ${row.mode}: ${Math.round(run.msgsPerSec).toLocaleString('en')} chats/s, p50 ${run.latencyUs.p50.toFixed(0)} µs, ${run.cpuUsPerMsg.toFixed(2)} CPU µs/chat\n`);
      }
    }
    return out;
  } finally {
    for (const sim of sims.values()) await sim.stop();
    await p.destroy();
  }
}

export interface PlacedLatencyRow {
  configuredMs: number;
  /** one-way chat delay minus the configured delay, ms (0 ms: the chain's own delay) */
  errorMs: Percentiles;
  /** how late the scheduler of the thread hosting the proxy ran its timers */
  timerLateUs: { p50Us: number; p99Us: number; maxUs: number };
}

/** (f): `samples` chats per configured delay across a 1-hop chain whose link has a latency toxic, placed by default. */
export async function placedLatency(delaysMs: number[], samples: number, placement: ProxyPlacement): Promise<PlacedLatencyRow[]> {
  const sim = await Simulation.start({ topology: resolveTopology('chain:2'), proxyLinks: 'all', proxyPlacement: placement });
  const p = pool();
  try {
    await sim.converged({ timeoutMs: 20_000 });
    const link = sim.link(2, 1);
    const rows: PlacedLatencyRow[] = [];
    for (const ms of delaysMs) {
      const name = ms > 0 ? await link.add(parseToxicSpec({ type: 'latency', direction: 'downstream', ms })) : undefined;
      await p.run(task(sim, 1, 2, PLACED_WINDOW, { count: 50 })); // warm-up
      await link.timerLateness(true);
      const res = (await p.run(task(sim, 1, 2, PLACED_WINDOW, { count: samples, timeoutMs: 30_000 }))) as LoadResult;
      if (res.error) throw new Error(`placed latency ${ms} ms: ${res.error}`);
      const late = await link.timerLateness(true);
      const us = percentiles(res.latency as RecordableHistogram);
      const shift = (x: number) => x / 1000 - ms;
      rows.push({
        configuredMs: ms,
        errorMs: { p50: shift(us.p50), p90: shift(us.p90), p99: shift(us.p99), max: shift(us.max), min: shift(us.min), count: us.count },
        timerLateUs: late,
      });
      if (name) await link.remove(name);
    }
    return rows;
  } finally {
    await sim.stop();
    await p.destroy();
  }
}
