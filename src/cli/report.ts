// npm run report -- DIR [...]: draw an experiment's pictures again (lamport.svg, timeline.svg)
// from the events.jsonl in its results folder, and link them from summary.json and summary.md.
import { join } from 'node:path';
import { rerender } from '../report/render.ts';
import { UsageError, parseFlags, runMain } from './args.ts';

const USAGE = `usage: npm run report -- <results folder> [...]

Draws lamport.svg (every server-to-server frame, fault windows, a zoomed panel per action) and
timeline.svg (known hosts per server, faults and checks) from the folder's events.jsonl, e.g.
results/experiments/partition-heal/<timestamp>/, and links them from its summary.md.
`;

await runMain(USAGE, async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length === 0) throw new UsageError('name a results folder, e.g. results/experiments/partition-heal/<timestamp>');
  for (const folder of positionals) {
    const { pictures, summary } = rerender(folder);
    process.stdout.write(`${join(folder, pictures.lamport)}, ${join(folder, pictures.timeline)}${summary ? '; summary.md links them' : ' (no summary.json: summary.md left alone)'}\n`);
  }
});
