// The report renders: report.md, report.json and the SVG charts from run summaries (a run with
// fault windows, a ramp, find-max trials), and the pure judgements behind find-max.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { RunReport, SecondReport } from '../../src/load/generator-api.ts';
import { judge } from '../../src/load/find-max.ts';
import { limitingResource } from '../../src/load/limiting.ts';
import { type LoadReport, writeLoadReport } from '../../src/load/report.ts';
import { parseSlo } from '../../src/load/slo.ts';
import { type RunSummary, type SecondSummary, mergeSecond, summariseRun } from '../../src/load/summary.ts';
import { machineInfo } from '../../src/util/machine.ts';

const hist = (...us: number[]) => {
  const h = createHistogram();
  for (const v of us) h.record(v);
  return h;
};

/** A run at `rate` for `secs` seconds whose chats took `latUs` each, one thread at `cpu`. */
function run(rate: number, secs: number, latUs: number, cpu: number, steps = [{ rate, durationMs: secs * 1000 }]): RunSummary {
  const per = Math.round(rate);
  const seconds = Array.from({ length: secs }, (_, i) => {
    const s: SecondReport = {
      second: i, offered: per, sent: per, delivered: per, duplicated: 0, reordered: 0, unknownDestination: 0, cut: 0,
      latency: hist(...Array(10).fill(latUs)), closedLoop: hist(latUs), lateMaxUs: 200, behindMs: 0, cpuNs: 1e8,
      stall: null, gcMs: 0, gcCount: 0, elu: 0.1,
    };
    return mergeSecond([s], { servers: [{ id: 1, pending: 100 * i, readPauses: 0, msgsIn: per }], threads: [{ label: 'servers-1', servers: [1], cpu }] });
  });
  const report: RunReport = {
    run: 0, cut: false, lateness: hist(100, 200), start: { commandAtMs: -99, setupMs: 1, setupRunningMs: 1, setupRunQueueMs: 0 },
    steps: steps.map((st) => ({ offered: st.rate, delivered: st.rate, latency: hist(latUs * st.rate / steps[0]!.rate) })),
    flows: [{ index: 0, offered: per * secs, sent: per * secs, delivered: per * secs, duplicated: 0, reordered: 0, unknownDestination: 0, cut: 0, lost: 0, latency: hist(latUs, 2 * latUs), closedLoop: hist(latUs) }],
  };
  return summariseRun(`${rate}/s`, steps, [{ from: 1, to: 2, weight: 1 }], [report], seconds);
}

function base(mode: LoadReport['mode'], runs: RunSummary[]): LoadReport {
  return {
    command: 'npm run load -- --rate 100 --duration 2s', replay: 'npm run load -- --rate 100 --duration 2s --seed 1', seed: 1,
    started: new Date(0).toISOString(), machine: machineInfo(),
    topology: { name: 'chain:2', servers: 2, placement: 'workers', serversPerWorker: 1 },
    pattern: 'all-pairs', flows: 1, size: 64, generators: 1, mode, interrupted: false, runs, names: { 1: 'a', 2: 'b' }, charts: [],
  };
}

describe('load report', () => {
  it('writes report.md, report.json and charts, with fault windows shaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'load-report-'));
    const r = base('run', [run(100, 3, 800, 0.3)]);
    r.experiment = { file: 'x.json', played: [{ atMs: 1000, did: 'hold {"link":"1-2"}' }], skipped: ['expect converged within 1000 ms'], windows: [{ label: '1-2 held', fromMs: 1000, toMs: 1500 }] };
    const files = await writeLoadReport(r, dir);
    expect(readdirSync(dir).sort()).toEqual(['latency-over-time.svg', 'rate-over-time.svg', 'report.json', 'report.md']);
    expect(files).toHaveLength(4);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('Replay (same flags, same seed 1): `npm run load -- --rate 100 --duration 2s --seed 1`');
    expect(md).toContain('| from intended send (ours) | 0.8 |');
    expect(md).toContain('hold {"link":"1-2"}');
    expect(md).toContain('Checks not run under load');
    const svg = readFileSync(join(dir, 'latency-over-time.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('1-2 held');
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as LoadReport;
    expect(json.runs[0]!.total.delivered).toBe(300);
    expect(json.runs[0]!.servers[0]!.peakPendingBytes).toBe(200);
    expect(json.charts).toEqual(['latency-over-time.svg', 'rate-over-time.svg']);
  });

  it('draws latency against rate for a ramp and for find-max, with the SLO', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'load-report-'));
    const steps = [{ rate: 100, durationMs: 1000 }, { rate: 200, durationMs: 1000 }];
    await writeLoadReport(base('ramp', [run(100, 2, 500, 0.2, steps)]), dir);
    expect(readdirSync(dir)).toContain('latency-vs-rate.svg');
    const dir2 = mkdtempSync(join(tmpdir(), 'load-report-'));
    const r = base('find-max', [run(100, 2, 1000, 0.3), run(200, 2, 9000, 0.95)]);
    r.findMax = { slo: 'p99<5ms', maxRate: 100, trials: [{ rate: 100, held: true, valueMs: 2, why: '2 ms < 5 ms' }, { rate: 200, held: false, valueMs: 18, why: '18 ms >= 5 ms' }], limiting: { kind: 'thread', text: 'server thread servers-1' } };
    await writeLoadReport(r, dir2);
    expect(readdirSync(dir2).sort()).toEqual(['delivered-vs-offered.svg', 'latency-vs-rate.svg', 'report.json', 'report.md']);
    const md = readFileSync(join(dir2, 'report.md'), 'utf8');
    expect(md).toContain('## Highest rate keeping p99<5ms: **100 chats/s**');
    expect(md).toContain('Limiting resource: server thread servers-1.');
  });
});

describe('find-max judgements', () => {
  it('holds only under the bound with nothing lost; a late generator is named when a trial breaks', () => {
    const slo = parseSlo('p99<5ms');
    expect(judge(run(100, 2, 1000, 0.2), slo).held).toBe(true);
    expect(judge(run(100, 2, 6000, 0.2), slo).held).toBe(false);
    const lossy = run(100, 2, 1000, 0.2);
    lossy.total.lost = 3;
    expect(judge(lossy, slo)).toMatchObject({ held: false, why: '3 chats lost' });
    const late = run(100, 2, 1000, 0.2);
    late.generator.keptRate = false;
    expect(judge(late, slo).held).toBe(true); // its lateness is inside the latency, still under the bound
    const lateAndSlow = run(100, 2, 6000, 0.2);
    lateAndSlow.generator.keptRate = false;
    expect(judge(lateAndSlow, slo).why).toContain(lateAndSlow.generator.note);
  });

  it('names the saturated thread, or the generators when they fell behind', () => {
    expect(limitingResource(run(100, 2, 1000, 0.95), String)).toMatchObject({ kind: 'thread' });
    expect(limitingResource(run(100, 2, 1000, 0.95), String).text).toContain('servers-1 (1 (1))');
    const late = run(100, 2, 1000, 0.95);
    late.generator.keptRate = false;
    expect(limitingResource(late, String).kind).toBe('generator');
    const backlog = run(100, 3, 1000, 0.1);
    backlog.servers[0]!.peakPendingBytes = 512 * 1024;
    expect(limitingResource(backlog, String).kind).toBe('queue');
  });

  it('names the machine when the generators waited for a core and nothing saturated; a few bytes in flight are no backlog', () => {
    const idle = run(100, 3, 1000, 0.1); // 200 B queued at peak
    expect(limitingResource(idle, String).kind).toBe('unknown');
    const starved = run(100, 3, 1000, 0.1);
    starved.seconds[1]!.stall = { generator: 0, lateMs: 6, atMs: 1500, gapMs: 7, runningMs: 0.3, runQueueMs: 6.2, gcMs: 0, verdict: 'waiting for a core' } as NonNullable<SecondSummary['stall']>;
    const l = limitingResource(starved, String);
    expect(l.kind).toBe('host');
    expect(l.text).toContain('in 1 of 3 seconds');
    expect(l.text).toContain('up to 6.2 ms in the run queue');
  });

  it('parses SLOs and names the flag on a bad one', () => {
    expect(parseSlo('p99.9<250us')).toMatchObject({ percentile: 99.9, maxUs: 250 });
    expect(parseSlo('max < 1s')).toMatchObject({ percentile: 100, maxUs: 1_000_000 });
    expect(() => parseSlo('p99>5ms')).toThrow(/--slo/);
  });
});
