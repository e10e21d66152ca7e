// SVG charts from a bench report, rendered with vega-lite + vega in Node (no browser, no
// native modules): throughput by hop count and window, the latency distribution, and quit
// convergence against tree diameter.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as vl from 'vega-lite';
import { VEGA_BASE, vegaLiteSvg as svg } from '../../src/report/vega-svg.ts';
import type { BenchReport } from './markdown.ts';

const base = VEGA_BASE;

/** Returns the written file paths. */
export async function renderCharts(r: BenchReport, dir: string): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, spec: vl.TopLevelSpec) => {
    const path = join(dir, name);
    writeFileSync(path, await svg(spec));
    written.push(path);
  };

  const tput = r.throughput.filter((t) => t.hops !== 'mix');
  if (tput.length) {
    const size = tput.some((t) => t.size === 64) ? 64 : tput[0]!.size;
    await write('throughput.svg', {
      ...base,
      title: 'Delivered msgs/s by server hops, window and chat size (log scale)',
      width: 160,
      height: 140,
      data: { values: tput.map((t) => ({ hops: t.hops, window: t.window, size: t.size, system: t.system, msgs: Math.max(1, Math.round(t.msgsPerSec)) })) },
      mark: { type: 'line', point: { filled: true, size: 60 } },
      encoding: {
        row: { field: 'size', type: 'ordinal', title: 'chat size (bytes)', sort: 'ascending' },
        column: { field: 'hops', type: 'ordinal', title: 'server hops', sort: 'ascending' },
        x: { field: 'window', type: 'ordinal', title: 'messages in flight', sort: 'ascending' },
        y: { field: 'msgs', type: 'quantitative', title: 'msgs/s', scale: { type: 'log' } },
        color: { field: 'system', type: 'nominal', title: 'system', scale: { domain: ['crc', 'decode', 'raw'] } },
      },
    } as vl.TopLevelSpec);

    const lat = tput.filter((t) => t.system === 'crc' && t.size === size);
    await write('latency.svg', {
      ...base,
      title: `One-way latency percentiles (ours, ${size} B chats)`,
      data: {
        values: lat.flatMap((t) => (['p50', 'p90', 'p99', 'max'] as const).map((p) => ({ case: `${t.hops} hops, w${t.window}`, percentile: p, us: Math.max(1, t.latencyUs[p]) }))),
      },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'percentile', type: 'ordinal', sort: ['p50', 'p90', 'p99', 'max'] },
        y: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'one-way latency (µs, log)' },
        color: { field: 'case', type: 'nominal' },
      },
    } as vl.TopLevelSpec);
  }

  if (r.scale.length) {
    await write('convergence-diameter.svg', {
      ...base,
      title: 'Quit convergence against tree diameter (no injected latency)',
      data: { values: r.scale.flatMap((s) => [{ diameter: s.diameter, ms: s.quitMs.p50, stat: 'median', topology: s.topology }, { diameter: s.diameter, ms: s.quitMs.p99, stat: 'p99', topology: s.topology }]) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'diameter', type: 'quantitative', title: 'tree diameter (server hops)' },
        y: { field: 'ms', type: 'quantitative', title: 'until every node forgot the client (ms)' },
        color: { field: 'stat', type: 'nominal' },
        tooltip: [{ field: 'topology' }],
      },
    } as vl.TopLevelSpec);
  }
  return written;
}
