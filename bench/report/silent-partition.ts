// results/latest.md's silent-partition phase: its table, and its goals met or missed.
import type { Spread } from '../../src/experiment/phases.ts';
import type { SilentPartitionRow } from '../phases/silent-partition.ts';
import type { Goal } from './markdown.ts';

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const spreadCells = (s: Spread | null) => `${f(s?.min)} | ${f(s?.p50)} | ${f(s?.p99)}`;

/** Detection within the timeout plus one interval plus 5 ms; propagation within 5% + 2 ms of its bound (medians). */
export function silentPartitionGoals(rows: readonly SilentPartitionRow[]): Goal[] {
  if (!rows.length) return [{ goal: 'silent partition: detection and propagation within their bounds', measured: 'not run', met: null }];
  return rows.flatMap((r) => {
    const what = `silent partition of ${r.link} (${r.linkLatencyMs} ms per link)`;
    const detectAllowance = r.detectionBoundMs + 5;
    const propAllowance = r.propagationBoundMs === null ? null : r.propagationBoundMs * 1.05 + 2;
    return [
      {
        goal: `${what}: detection median within timeout + interval + 5 ms (${f(detectAllowance, 0)} ms)`,
        measured: r.detection ? `median ${f(r.detection.p50)} ms over ${r.detection.count}` : 'never detected',
        met: r.detection ? r.detection.p50 <= detectAllowance : false,
      },
      {
        goal: `${what}: propagation median within 1.05 × bound + 2 ms (bound ${f(r.propagationBoundMs, 0)} ms)`,
        measured: r.propagation && propAllowance !== null ? `median ${f(r.propagation.p50, 2)} ms, allowance ${f(propAllowance, 2)} ms` : 'never complete',
        met: r.propagation && propAllowance !== null ? r.propagation.p50 <= propAllowance : false,
      },
    ];
  });
}

export function silentPartitionSection(rows: readonly SilentPartitionRow[]): string[] {
  if (!rows.length) return [];
  const l = rows[0]!.liveness;
  return [
    '## Silent partition (middle-earth, liveness)', '',
    `One link's bytes dropped both ways, its connections left open, so only liveness can find it (ping after ${l.intervalMs} ms idle, dead after ${l.timeoutMs} ms of silence); then it comes back. Detection: fault → the first server declaring the link dead. Propagation: a detecting server's netsplit → the last node on its side forgetting what is behind it. Recovery: the link back → every node knowing all it should again (re-dial backoff included). Bounds: detection the timeout + one interval; propagation the injected latency on the longest path from a detecting server; recovery's floor the latency a registration must cross. From the workers' event timestamps.`, '',
    '| link | latency per link | servers/worker | repeats | detection min | median | p99 | bound | propagation min | median | p99 | bound | recovery min | median | p99 | floor | incomplete |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.link} | ${r.linkLatencyMs} ms | ${r.serversPerWorker} | ${r.repeats} | ${spreadCells(r.detection)} | ${f(r.detectionBoundMs, 0)} | ${spreadCells(r.propagation)} | ${f(r.propagationBoundMs, 0)} | ${spreadCells(r.recovery)} | ${f(r.recoveryFloorMs, 0)} | ${r.incomplete} |`),
    '',
  ];
}
