// npm run experiment -- <file.json> [...]: run fault-injection experiments from data and write
// results/experiments/<name>/<timestamp>/.
import { loadExperimentFile } from '../experiment/parse.ts';
import { runExperiment } from '../experiment/runner.ts';
import { type Experiment, ExperimentError } from '../experiment/schema.ts';
import { UsageError, parseFlags, runMain } from './args.ts';

const USAGE = `usage: npm run experiment -- [--out DIR] <experiment.json> [...]

Runs each experiment (see topologies/experiments/) and writes events.jsonl, summary.json,
summary.md, lamport.svg and timeline.svg to DIR/<name>/<timestamp>/ (DIR defaults to
results/experiments). Every file is checked before any runs. "traceFrames": false in a file
skips the per-frame events the Lamport diagram needs (they cost throughput under heavy load).
Re-draw the pictures of a finished run with: npm run report -- DIR/<name>/<timestamp>
`;

await runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string', default: 'results/experiments' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length === 0) throw new UsageError('name at least one experiment file, e.g. topologies/experiments/partition-heal.json');
  // Check every file before running any, so a typo in the last one is not found minutes in.
  const experiments: Array<{ file: string; exp: Experiment }> = [];
  const errors: string[] = [];
  for (const file of positionals) {
    try {
      experiments.push({ file, exp: loadExperimentFile(file) });
    } catch (err) {
      if (!(err instanceof ExperimentError)) throw err;
      errors.push(err.message);
    }
  }
  if (errors.length) throw new ExperimentError(errors.join('\n'));
  let failed = 0;
  for (const { file, exp } of experiments) {
    const s = await runExperiment(exp, {
      file,
      command: `npm run experiment -- ${argv.join(' ')}`,
      outDir: values.out,
      log: (l) => process.stdout.write(`  ${l}\n`),
    });
    process.stdout.write(`${s.passed ? 'PASSED' : 'FAILED'} ${s.name} -> ${s.folder}/summary.md\n`);
    if (!s.passed) failed++;
  }
  process.exitCode = failed ? 1 : 0;
});
