// npm run experiment -- <file.json> [...]: run fault-injection experiments from data and write
// results/experiments/<name>/<timestamp>/.
import { loadExperimentFile } from '../experiment/parse.ts';
import { runExperiment } from '../experiment/runner.ts';
import { drawFolderPictures } from '../report/render.ts';
import { type Experiment, ExperimentError } from '../experiment/schema.ts';
import { loadEndpointsFile } from '../placement/endpoints.ts';
import { PLACEMENTS } from '../placement/index.ts';
import { withImpl } from '../topology/impl.ts';
import { IMPL_FLAG_OPTIONS, IMPL_USAGE, UsageError, choiceFlag, implFlags, parseFlags, runMain } from './args.ts';

/** The exit code of a run whose only misses were excused by the host's lateness. */
const EXIT_INCONCLUSIVE = 3;

const USAGE = `usage: npm run experiment -- [--out DIR] [--placement workers|processes|external|hosts|sim [--endpoints FILE]]
                             [--impl course:DIR|command:'...' [--impl-ids 2,4]] <experiment.json> [...]

Runs each experiment (see topologies/experiments/) and writes events.jsonl, summary.json,
summary.md, lamport.svg and timeline.svg to DIR/<name>/<timestamp>/ (DIR defaults to
results/experiments). Every file is checked before any runs. "traceFrames": false in a file
skips the per-frame events the Lamport diagram needs (they cost throughput under heavy load).
--placement: where the servers run (default: the file's "placement", else its topology's, else
workers): worker threads, a crc-server process each, worker threads over 2 node processes
(hosts: docs/placements.md), or servers someone else started (the
Kubernetes Job) found in --endpoints FILE (contracts: src/placement/endpoints.ts), or sim: every
server and client in this thread on virtual time, exact and replayable (docs/virtual-time.md).
--impl: some servers of each experiment's topology are foreign (see docs/foreign-servers.md):
${IMPL_USAGE}Re-draw the pictures of a finished run with: npm run report -- DIR/<name>/<timestamp>
Exit code: 0 every experiment PASSED; 1 one FAILED; 3 none failed but a timed check missed its
bound by no more than this machine's own measured lateness explains (INCONCLUSIVE).
`;

await runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string', default: 'results/experiments' },
    placement: { type: 'string' },
    endpoints: { type: 'string' },
    ...IMPL_FLAG_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const placement = choiceFlag(values, 'placement', [...PLACEMENTS, 'sim'] as const);
  if (placement === 'external' && !values.endpoints) throw new UsageError('--placement external needs --endpoints FILE');
  if (values.endpoints && placement !== 'external') throw new UsageError('--endpoints goes with --placement external');
  const endpoints = values.endpoints ? loadEndpointsFile(values.endpoints) : undefined;
  const foreign = implFlags(values);
  if (foreign && placement === 'external') throw new UsageError('--impl runs foreign servers on this machine: not with --placement external');
  if (foreign && placement === 'sim') throw new UsageError('--impl runs foreign servers as processes: not with --placement sim (ours only)');
  if (positionals.length === 0) throw new UsageError('name at least one experiment file, e.g. topologies/experiments/partition-heal.json');
  // Check every file before running any, so a typo in the last one is not found minutes in.
  const experiments: Array<{ file: string; exp: Experiment }> = [];
  const errors: string[] = [];
  for (const file of positionals) {
    try {
      const exp = loadExperimentFile(file);
      experiments.push({ file, exp: foreign ? { ...exp, topology: withImpl(exp.topology, foreign.impl, foreign.ids) } : exp });
    } catch (err) {
      if (!(err instanceof ExperimentError)) throw err;
      errors.push(err.message);
    }
  }
  if (errors.length) throw new ExperimentError(errors.join('\n'));
  let failed = 0;
  let inconclusive = 0;
  for (const { file, exp } of experiments) {
    const s = await runExperiment(exp, {
      file,
      command: `npm run experiment -- ${argv.join(' ')}`,
      outDir: values.out,
      placement,
      endpoints,
      log: (l) => process.stdout.write(`  ${l}\n`),
      pictures: drawFolderPictures,
    });
    const word = s.outcome === 'PASS' ? 'PASSED' : s.outcome === 'FAIL' ? 'FAILED' : `INCONCLUSIVE (${s.checks.filter((c) => c.outcome === 'INCONCLUSIVE').map((c) => `host late by ${c.hostLateMs} ms in ${c.lateThread}`).join('; ')})`;
    const speed = s.virtualTime ? ` (virtual time: ${(s.virtualTime.virtualMs / 1000).toFixed(1)} s in ${(s.virtualTime.wallMs / 1000).toFixed(2)} s wall, ${(s.virtualTime.virtualMs / Math.max(1, s.virtualTime.wallMs)).toFixed(1)}x; ${(s.virtualTime.cpuMs / 1000).toFixed(2)} s CPU)` : '';
    process.stdout.write(`${word} ${s.name}${speed} -> ${s.folder}/summary.md\n`);
    if (s.outcome === 'FAIL') failed++;
    else if (s.outcome === 'INCONCLUSIVE') inconclusive++;
  }
  // 1: something failed; 3: nothing failed but a timed check was missed only by the host's lateness.
  process.exitCode = failed ? 1 : inconclusive ? EXIT_INCONCLUSIVE : 0;
});
