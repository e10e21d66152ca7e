// The load report's SVG charts (vega-lite, as the bench draws them): latency percentiles over
// time with the fault windows shaded, delivered against offered rate, and with --ramp or
// --find-max, latency against rate.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as vl from 'vega-lite';
import { VEGA_BASE, vegaLiteSvg } from '../report/vega-svg.ts';
import type { LoadReport } from './report.ts';
import type { Percentiles } from './summary.ts';

const PCTS = ['p50', 'p90', 'p99', 'p99_9', 'max'] as const;
const pctName = (p: (typeof PCTS)[number]) => (p === 'p99_9' ? 'p99.9' : p);
const rows = (l: Percentiles | null, extra: Record<string, unknown>) =>
  l ? PCTS.map((p) => ({ ...extra, percentile: pctName(p), ms: Math.max(0.001, l[p]) })) : [];

/** Returns the chart file names written into `dir`. */
export async function renderLoadCharts(r: LoadReport, dir: string): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, spec: unknown) => {
    writeFileSync(join(dir, name), await vegaLiteSvg(spec as vl.TopLevelSpec));
    written.push(name);
  };
  const color = { field: 'percentile', type: 'nominal', sort: PCTS.map(pctName), title: 'percentile' };

  if (r.mode !== 'find-max' && r.runs[0]) {
    const run = r.runs[0];
    const lat = run.seconds.flatMap((s) => rows(s.latencyMs, { t: s.second + 1 }));
    const windows = (r.experiment?.windows ?? []).map((w) => ({ from: w.fromMs / 1000, to: (w.toMs ?? run.durationMs) / 1000, fault: w.label }));
    const faultLayer = windows.length ? [{
      data: { values: windows },
      mark: { type: 'rect', opacity: 0.15, color: 'red' },
      encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' }, tooltip: [{ field: 'fault' }] },
    }, {
      data: { values: windows },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 2, dy: 2, fontSize: 9, color: 'firebrick' },
      encoding: { x: { field: 'from', type: 'quantitative' }, y: { value: 0 }, text: { field: 'fault' } },
    }] : [];
    await write('latency-over-time.svg', {
      ...VEGA_BASE, width: 600, height: 260,
      title: `Latency from the intended send time, per second (${r.topology.name}, ${r.pattern}${windows.length ? '; faults shaded' : ''})`,
      layer: [...faultLayer, {
        data: { values: lat },
        mark: { type: 'line', point: { size: 15 } },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time (s)' },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log)' },
          color,
        },
      }],
    });
    const rates = run.seconds.flatMap((s) => [{ t: s.second + 1, rate: s.offered, what: 'offered' }, { t: s.second + 1, rate: s.delivered, what: 'delivered' }]);
    await write('rate-over-time.svg', {
      ...VEGA_BASE, width: 600, height: 200,
      title: 'Delivered against offered chats per second',
      layer: [...faultLayer, {
        data: { values: rates },
        mark: { type: 'line', point: { size: 15 } },
        encoding: { x: { field: 't', type: 'quantitative', title: 'time (s)' }, y: { field: 'rate', type: 'quantitative', title: 'chats/s' }, color: { field: 'what', type: 'nominal', title: '' } },
      }],
    });
  }

  // Latency against rate: the steps of a ramp, or the trials of --find-max.
  const points = r.mode === 'ramp'
    ? r.runs[0]!.stepResults.map((s) => ({ rate: s.rate, offered: s.offered, delivered: s.delivered, latencyMs: s.latencyMs, secs: r.runs[0]!.steps[0]!.durationMs / 1000 }))
    : r.mode === 'find-max' ? r.runs.map((run) => ({ rate: run.steps[0]!.rate, offered: run.total.offered, delivered: run.total.delivered, latencyMs: run.total.latencyMs, secs: run.durationMs / 1000 })) : [];
  if (points.length) {
    const sloRule = r.findMax ? [{ data: { values: [{ ms: sloMs(r.findMax.slo) }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'black' }, encoding: { y: { field: 'ms', type: 'quantitative' } } }] : [];
    await write('latency-vs-rate.svg', {
      ...VEGA_BASE, width: 500, height: 260,
      title: `Latency against offered rate${r.findMax ? ` (SLO ${r.findMax.slo} dashed; held up to ${r.findMax.maxRate}/s)` : ''}`,
      layer: [{
        data: { values: points.flatMap((p) => rows(p.latencyMs, { rate: p.rate })) },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'rate', type: 'quantitative', title: 'offered chats/s' }, y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log)' }, color },
      }, ...sloRule],
    });
    await write('delivered-vs-offered.svg', {
      ...VEGA_BASE, width: 400, height: 300,
      title: 'Delivered against offered rate (the diagonal: everything delivered)',
      layer: [{
        data: { values: points.map((p) => ({ offered: p.offered / p.secs, delivered: p.delivered / p.secs })) },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'offered', type: 'quantitative', title: 'offered chats/s' }, y: { field: 'delivered', type: 'quantitative', title: 'delivered chats/s' } },
      }, {
        data: { values: [{ v: 0 }, { v: Math.max(...points.map((p) => p.offered / p.secs)) }] },
        mark: { type: 'line', strokeDash: [3, 3], color: 'gray' },
        encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } },
      }],
    });
  }
  return written;
}

function sloMs(text: string): number {
  const m = /<(\d+(?:\.\d+)?)(us|µs|ms|s)$/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v / 1000;
}
