// The numbers a load report is made of (report.json), and the pure folding of generator
// reports into them: percentiles from merged HDR histograms, loss with its reasons.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { FlowReport, RunReport, SecondReport } from './generator-api.ts';
import type { FlowSpec } from './patterns.ts';
import type { ResourceSample, ThreadSample } from './sampler.ts';
import type { Step } from './schedule.ts';
import type { StallReport } from './stall-probe.ts';

/** Latency percentiles in ms (null when nothing was delivered). */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

export function percentiles(h: RecordableHistogram): Percentiles | null {
  if (h.count === 0) return null;
  const ms = (us: number) => +(us / 1000).toFixed(3);
  return { count: h.count, p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), p99_9: ms(h.percentile(99.9)), max: ms(h.max) };
}

/** The value of percentile p (100: max) in ms, as an SLO reads it. */
export function percentileMs(h: RecordableHistogram, p: number): number {
  return (p >= 100 ? h.max : h.percentile(p)) / 1000;
}

export function merged(hs: Iterable<RecordableHistogram>): RecordableHistogram {
  const out = createHistogram();
  for (const h of hs) if (h.count > 0) out.add(h);
  return out;
}

export interface Counts {
  offered: number;
  sent: number;
  delivered: number;
  duplicated: number;
  reordered: number;
  /** sent, then neither delivered nor answered within the drain: lost in the network (a cut link, a crashed server, a dropped queue) */
  lost: number;
  /** answered "Unknown ID": the destination was not known on the path */
  unknownDestination: number;
  /** never sent: the load client's own connection was closed */
  cut: number;
}

export interface SecondSummary extends Omit<Counts, 'lost'> {
  second: number;
  latencyMs: Percentiles | null;
  closedLoopMs: Percentiles | null;
  /** the generators' worst lateness in sending, ms */
  lateMaxMs: number;
  /** how long the oldest unsent chat had waited at the end of the second, ms */
  behindMs: number;
  /** each generator thread's CPU share of one core */
  generatorCpu: number[];
  /** the worst late send over the generators and what its thread did before it (stall-probe.ts) */
  stall: (StallReport & { generator: number }) | null;
  /** each generator thread's GC pauses in the second, ms */
  generatorGcMs: number[];
  /** each generator thread's event-loop utilization, 0..1 */
  generatorElu: number[];
  resources?: ResourceSample;
}

export interface RunSummary {
  label: string;
  steps: Step[];
  durationMs: number;
  interrupted: boolean;
  /** fromWriteMs: from each chat's write, not its intended time (the network's share; what the bench's window-1 sender measures) */
  total: Counts & { offeredPerSec: number; deliveredPerSec: number; latencyMs: Percentiles | null; closedLoopMs: Percentiles | null; fromWriteMs?: Percentiles | null };
  generator: { latenessMs: Percentiles | null; keptRate: boolean; note: string; start: Array<RunReport['start']> };
  stepResults: Array<{ rate: number; offered: number; delivered: number; latencyMs: Percentiles | null }>;
  flows: Array<{ from: number; to: number } & Counts & { latencyMs: Percentiles | null; closedLoopMs: Percentiles | null }>;
  seconds: SecondSummary[];
  servers: Array<{ id: number; peakPendingBytes: number; readPauses: number; msgsIn: number }>;
  threads: Array<{ label: string; servers: number[]; cpuMean: number; cpuPeak: number }>;
}

/** How late a generator may send before the report says it could not keep the rate. */
export const LATE_LIMIT_MS = 5;

/** Merge one second's reports from every generator. */
export function mergeSecond(parts: readonly SecondReport[], resources?: ResourceSample): SecondSummary {
  const sum = (k: 'offered' | 'sent' | 'delivered' | 'duplicated' | 'reordered' | 'unknownDestination' | 'cut') => parts.reduce((a, p) => a + p[k], 0);
  return {
    second: parts[0]!.second,
    offered: sum('offered'), sent: sum('sent'), delivered: sum('delivered'), duplicated: sum('duplicated'), reordered: sum('reordered'),
    unknownDestination: sum('unknownDestination'), cut: sum('cut'),
    latencyMs: percentiles(merged(parts.map((p) => p.latency))),
    closedLoopMs: percentiles(merged(parts.map((p) => p.closedLoop))),
    lateMaxMs: +(Math.max(...parts.map((p) => p.lateMaxUs)) / 1000).toFixed(3),
    behindMs: +Math.max(...parts.map((p) => p.behindMs)).toFixed(3),
    generatorCpu: parts.map((p) => +(p.cpuNs / 1e9).toFixed(3)),
    stall: worstStall(parts),
    generatorGcMs: parts.map((p) => +(p.gcMs ?? 0).toFixed(2)),
    generatorElu: parts.map((p) => +(p.elu ?? 0).toFixed(3)),
    resources,
  };
}

function worstStall(parts: readonly SecondReport[]): SecondSummary['stall'] {
  let out: SecondSummary['stall'] = null;
  parts.forEach((p, generator) => {
    const st = p.stall;
    if (st && (!out || st.lateMs > out.lateMs)) out = { ...st, generator };
  });
  if (!out) return null;
  const o: NonNullable<SecondSummary['stall']> = out;
  const r = (x: number) => +x.toFixed(2);
  return { ...o, lateMs: r(o.lateMs), atMs: r(o.atMs), gapMs: r(o.gapMs), runningMs: r(o.runningMs), runQueueMs: r(o.runQueueMs), gcMs: r(o.gcMs) };
}

/** One line for a second's worst stall: where it fell and what the thread did. */
export function stallText(s: NonNullable<SecondSummary['stall']>): string {
  const asleep = Math.max(0, s.gapMs - s.runningMs - s.runQueueMs);
  return `${s.verdict}: due at ${(s.atMs / 1000).toFixed(3)} s, gap ${s.gapMs} ms = running ${s.runningMs} (GC ${s.gcMs}) + run queue ${s.runQueueMs} + asleep ${+asleep.toFixed(2)}`;
}

/** Fold the generators' run reports, the seconds and the resource samples into a run summary. */
export function summariseRun(label: string, steps: Step[], flows: readonly FlowSpec[], reports: readonly RunReport[], seconds: SecondSummary[]): RunSummary {
  const all: FlowReport[] = reports.flatMap((r) => r.flows).sort((a, b) => a.index - b.index);
  const counts = (fs: ReadonlyArray<FlowReport>): Counts => {
    const s = (k: keyof Counts) => fs.reduce((a, f) => a + f[k], 0);
    return { offered: s('offered'), sent: s('sent'), delivered: s('delivered'), duplicated: s('duplicated'), reordered: s('reordered'), lost: s('lost'), unknownDestination: s('unknownDestination'), cut: s('cut') };
  };
  const interrupted = reports.some((r) => r.cut);
  const planned = steps.reduce((a, s) => a + s.durationMs, 0);
  const cutAt = Math.max(0, ...reports.map((r) => r.cutAtMs ?? 0));
  const durationMs = interrupted && cutAt > 0 ? Math.min(planned, cutAt) : planned;
  const total = counts(all);
  const lateness = merged(reports.map((r) => r.lateness));
  const late = lateness.count ? lateness.percentile(99) / 1000 : 0;
  const keptRate = late <= LATE_LIMIT_MS;
  const note = keptRate
    ? `the generators kept the schedule: p99 send lateness ${late.toFixed(3)} ms`
    : `the generators could NOT keep the rate: p99 send lateness ${late.toFixed(1)} ms, max ${(lateness.max / 1000).toFixed(1)} ms (over the ${LATE_LIMIT_MS} ms limit); latencies include that lateness (they are timed from the intended send)`;
  const stepSummaries = steps.map((st, i) => {
    const parts = reports.map((r) => r.steps[i]!).filter(Boolean);
    return { rate: st.rate, offered: parts.reduce((a, p) => a + p.offered, 0), delivered: parts.reduce((a, p) => a + p.delivered, 0), latencyMs: percentiles(merged(parts.map((p) => p.latency))) };
  });
  const serverTable = new Map<number, { id: number; peakPendingBytes: number; readPauses: number; msgsIn: number }>();
  const threadTable = new Map<string, { label: string; servers: number[]; cpu: number[] }>();
  for (const sec of seconds) {
    for (const s of sec.resources?.servers ?? []) {
      const row = serverTable.get(s.id) ?? { id: s.id, peakPendingBytes: 0, readPauses: 0, msgsIn: 0 };
      row.peakPendingBytes = Math.max(row.peakPendingBytes, s.pending);
      row.readPauses += s.readPauses;
      row.msgsIn += s.msgsIn;
      serverTable.set(s.id, row);
    }
    for (const t of sec.resources?.threads ?? []) addThread(threadTable, t);
  }
  return {
    label, steps, durationMs, interrupted,
    total: {
      ...total,
      offeredPerSec: +(total.offered / (durationMs / 1000)).toFixed(1),
      deliveredPerSec: +(total.delivered / (durationMs / 1000)).toFixed(1),
      latencyMs: percentiles(merged(all.map((f) => f.latency))),
      closedLoopMs: percentiles(merged(all.map((f) => f.closedLoop))),
      fromWriteMs: percentiles(merged(all.flatMap((f) => (f.fromWrite ? [f.fromWrite] : [])))),
    },
    generator: {
      latenessMs: percentiles(lateness), keptRate, note,
      start: reports.map((r) => ({ commandAtMs: +r.start.commandAtMs.toFixed(2), setupMs: +r.start.setupMs.toFixed(2), setupRunningMs: +r.start.setupRunningMs.toFixed(2), setupRunQueueMs: +r.start.setupRunQueueMs.toFixed(2) })),
    },
    stepResults: stepSummaries,
    flows: all.map((f) => ({ from: flows[f.index]!.from, to: flows[f.index]!.to, ...counts([f]), latencyMs: percentiles(f.latency), closedLoopMs: percentiles(f.closedLoop) })),
    seconds,
    servers: [...serverTable.values()].sort((a, b) => a.id - b.id),
    threads: [...threadTable.values()].map((t) => {
      const ok = t.cpu.filter((c) => Number.isFinite(c));
      return { label: t.label, servers: t.servers, cpuMean: ok.length ? +(ok.reduce((a, b) => a + b, 0) / ok.length).toFixed(3) : NaN, cpuPeak: ok.length ? +Math.max(...ok).toFixed(3) : NaN };
    }),
  };
}

function addThread(table: Map<string, { label: string; servers: number[]; cpu: number[] }>, t: ThreadSample): void {
  const row = table.get(t.label) ?? { label: t.label, servers: t.servers, cpu: [] };
  row.cpu.push(t.cpu);
  table.set(t.label, row);
}
