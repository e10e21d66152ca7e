// Re-render results/latest.md and the SVG charts from a bench JSON, without re-running:
//   node dist/bench/report/render.js results/bench-<timestamp>.json [--out results]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseFlags, runMain, UsageError } from '../../src/cli/args.ts';
import { renderCharts } from './charts.ts';
import { type BenchReport, renderMarkdown } from './markdown.ts';

await runMain('usage: node dist/bench/report/render.js <bench-*.json> [--out DIR]\n', async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), { out: { type: 'string' } }, true);
  const file = positionals[0];
  if (!file) throw new UsageError('name a bench JSON file');
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  const out = values.out ?? dirname(file);
  const charts = await renderCharts(report, out);
  const md = renderMarkdown(report, file, charts);
  writeFileSync(join(out, 'latest.md'), md.text);
  process.stdout.write(`${md.summary}\n\nwrote ${join(out, 'latest.md')}, ${charts.join(', ')}\n`);
});
