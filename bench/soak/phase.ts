// One soak phase on a fresh tree: honest load pairs for the whole duration (bench/load), and,
// when attacked, the hostile peers against two servers, started a second in. Samples the two
// targets' /metrics and this process's RSS every 250 ms.
import type { RecordableHistogram } from 'node:perf_hooks';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import type { LoadResult, LoadTask } from '../load/load-task.ts';
import { type Percentiles, freshId, merge, percentiles } from '../phases/common.ts';
import { MIX } from '../phases/throughput.ts';
import type { AttackContext, AttackResult } from '../../src/check/hostile/attack.ts';
import { connectionStorm } from '../../src/check/hostile/connection-storm.ts';
import { neverReads } from '../../src/check/hostile/never-reads.ts';
import { registrationFlood } from '../../src/check/hostile/registration-flood.ts';
import { slowDrip } from '../../src/check/hostile/slow-drip.ts';
import { statusFlood } from '../../src/check/hostile/status-flood.ts';
import { type Metrics, SoakTree } from './tree.ts';

/** Server 7 (minastirith, links to 4, 10 and 11) and server 2 (rivendale, links to 1, 4, 5 and 8): most honest pairs cross one. */
export const TARGETS = { a: 7, b: 2 } as const;

/** Each attack by name (one implementation each, shared with npm run check: src/check/hostile/), with its target. */
export const ATTACKS: Record<string, [(ctx: AttackContext) => Promise<AttackResult>, number]> = {
  flood: [registrationFlood.run, TARGETS.a], storm: [connectionStorm.run, TARGETS.a], stall: [neverReads.run, TARGETS.a],
  statuses: [statusFlood.run, TARGETS.b], drip: [slowDrip.run, TARGETS.b],
};

/** Gauges whose peak, and counters whose final value (a fresh tree starts them at 0), a target reports. */
export const GAUGES = ['crc_send_queue_bytes', 'crc_send_queues_congested', 'crc_connections_reads_held{peer="client"}', 'crc_connections_reads_held{peer="server"}', 'crc_partial_frame_bytes', 'crc_partial_frame_buffer_bytes',
  'crc_connections{peer="pending"}', 'crc_connections{peer="client"}', 'crc_known_hosts', 'thread heap and buffers', 'event-loop stall (ms)'] as const;
export const COUNTERS = ['crc_connections_refused_total', 'crc_unregistered_evicted_total', 'crc_registration_timeouts_total', 'crc_frame_timeouts_total',
  'crc_sendq_exceeded_total{reason="stalled"}', 'crc_sendq_exceeded_total{reason="limit"}', 'crc_reads_paused_total', 'crc_server_link_reads_paused_total', 'crc_send_budget_exceeded_total',
  'crc_registrations_refused_total', 'crc_status_log_dropped_total', 'crc_decode_errors_total'] as const;

export interface HonestResult {
  pairs: number;
  window: number;
  size: number;
  msgsPerSec: number;
  latencyUs: Percentiles;
  sent: number;
  delivered: number;
  lost: number;
  errors: string[];
}

export interface TargetSummary {
  peaks: Record<string, number>;
  counters: Record<string, number>;
  /** The first log line of each kind a limit wrote. */
  lines: string[];
}

export interface PhaseResult {
  attacked: boolean;
  seconds: number;
  honest: HonestResult;
  peakRssBytes: number;
  /** Heap and Buffers of this thread (the attackers), at most. */
  peakMainHeapBytes: number;
  /** Heap and Buffers of the eleven server threads together, at most. */
  peakServerHeapsBytes: number;
  attacks: AttackResult[];
  targets: Record<number, TargetSummary>;
}

const LIMIT_LINES = [/SendQ exceeded/, /registration timeout/, /frame timeout/, /unregistered connection limit/, /connection limit \(\d+\) reached: refused/,
  /host table full/, /status log full/, /more connection limit lines not logged/];

/** A phase; `attacks` names the attacks to run (none: the clean run). */
export async function runPhase(attacks: readonly string[], seconds: number, say: (l: string) => void): Promise<PhaseResult> {
  const attacked = attacks.length > 0;
  const tree = await SoakTree.start();
  const pool = new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 2, concurrentTasksPerWorker: 4, idleTimeout: 60_000 });
  const peaks: Record<number, Record<string, number>> = { [TARGETS.a]: {}, [TARGETS.b]: {} };
  let peakRss = 0;
  let peakMainHeap = 0;
  let peakServerHeaps = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const mem = process.memoryUsage();
      peakRss = Math.max(peakRss, mem.rss);
      peakMainHeap = Math.max(peakMainHeap, mem.heapUsed + mem.external);
      const heaps = await Promise.all(tree.topology.servers.map((x) => tree.memory(x.id)));
      peakServerHeaps = Math.max(peakServerHeaps, heaps.reduce((a, b) => a + b.memory, 0));
      for (const id of [TARGETS.a, TARGETS.b]) {
        const m = await tree.metrics(id).catch(() => undefined);
        if (!m) continue;
        const own = heaps[tree.topology.servers.findIndex((x) => x.id === id)]!;
        m.set('thread heap and buffers', own.memory);
        m.set('event-loop stall (ms)', own.maxStallMs);
        for (const g of GAUGES) peaks[id]![g] = Math.max(peaks[id]![g] ?? 0, m.get(g) ?? 0);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  let logs: Map<number, string[]> | undefined;
  try {
    const durationMs = seconds * 1000;
    const window = 16;
    const size = 64;
    const tasks: LoadTask[] = MIX.map(([from, to]) => ({
      mode: 'crc', senderPort: tree.port(from), receiverPort: tree.port(to), senderId: freshId(), receiverId: freshId(),
      window, size, durationMs, timeoutMs: 40_000,
    }));
    const honest = Promise.all(tasks.map((t) => pool.run(t) as Promise<LoadResult>));
    let results: AttackResult[] = [];
    if (attacked) {
      await new Promise((r) => setTimeout(r, 1000));
      const until = performance.now() + durationMs - 1500;
      say(`attacks on servers ${TARGETS.a} and ${TARGETS.b} for ${((durationMs - 1500) / 1000).toFixed(0)} s`);
      results = await Promise.all(attacks.map((name) => {
        const [attack, target] = ATTACKS[name]!;
        return attack({ port: tree.port(target), target, until });
      }));
    }
    const load = await honest;
    const delivered = load.reduce((a, r) => a + r.delivered, 0);
    const elapsed = Math.max(...load.map((r) => r.elapsedMs));
    const honestResult: HonestResult = {
      pairs: tasks.length, window, size,
      msgsPerSec: elapsed > 0 ? (delivered / elapsed) * 1000 : 0,
      latencyUs: percentiles(merge(load.map((r) => r.latency as RecordableHistogram))),
      sent: load.reduce((a, r) => a + r.sent, 0), delivered, lost: load.reduce((a, r) => a + r.lost, 0),
      errors: load.flatMap((r) => (r.error ? [r.error] : [])),
    };
    sampling = false;
    await sampler;
    const final = new Map<number, Metrics>();
    for (const id of [TARGETS.a, TARGETS.b]) final.set(id, await tree.metrics(id));
    logs = await tree.stop();
    const targets: Record<number, TargetSummary> = {};
    for (const id of [TARGETS.a, TARGETS.b]) {
      const counters: Record<string, number> = {};
      for (const c of COUNTERS) counters[c] = final.get(id)!.get(c) ?? 0;
      const lines = LIMIT_LINES.map((re) => logs!.get(id)?.find((l) => re.test(l))).filter((l): l is string => l !== undefined);
      targets[id] = { peaks: peaks[id]!, counters, lines };
    }
    return { attacked, seconds, honest: honestResult, peakRssBytes: peakRss, peakMainHeapBytes: peakMainHeap, peakServerHeapsBytes: peakServerHeaps, attacks: results, targets };
  } finally {
    sampling = false;
    if (!logs) await tree.stop();
    await pool.destroy();
  }
}
