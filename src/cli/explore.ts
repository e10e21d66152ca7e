// npm run explore -- --topology SPEC --seeds N [...]: random fault schedules, one per seed, run as
// experiments in --jobs worker threads; each failure shrunk and written with report.md/json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtUrl } from '../threads/worker-handle.ts';
import { explore } from '../explore/explore.ts';
import { type ExploreRunInfo, type FailureEntry, originalFile, originalName, reportJson, reportMarkdown, shrunkFile, shrunkName } from '../explore/report.ts';
import type { ExploreConfig } from '../explore/seed.ts';
import { ThreadJob } from '../explore/thread-job.ts';
import { slug } from '../explore/doc.ts';
import { resolveTopology } from '../topology/generate.ts';
import { TopologyError } from '../topology/schema.ts';
import { UsageError, runMain } from './args.ts';
import { EXPLORE_USAGE, parseExploreFlags } from './explore-flags.ts';

/** How often a progress line is printed (ms), besides one per failure. */
const PROGRESS_EVERY_MS = 10_000;

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

await runMain(EXPLORE_USAGE, async () => {
  const argv = process.argv.slice(2);
  const flags = parseExploreFlags(argv);
  if (flags.help) {
    process.stdout.write(EXPLORE_USAGE);
    return;
  }
  let topology;
  try {
    topology = resolveTopology(flags.topology);
  } catch (err) {
    if (err instanceof TopologyError) throw new UsageError(`--topology: ${err.message}`);
    throw err;
  }
  const started = new Date();
  const out = flags.out ?? join('results/explore', `${slug(flags.topology)}-${started.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(out, { recursive: true });
  const info: ExploreRunInfo = {
    command: `npm run explore -- ${argv.join(' ')}`, topology: flags.topology, faults: flags.faults, durationMs: flags.durationMs,
    jobs: Math.min(flags.jobs, flags.seeds), placement: flags.placement, started: started.toISOString(),
  };
  const config: ExploreConfig = {
    spec: flags.topology, topology, faults: flags.faults, durationMs: flags.durationMs, maxShrinkRuns: flags.shrinkRuns, placement: flags.placement,
  };
  const script = builtUrl('workers/explore-host');
  const jobs = Array.from({ length: info.jobs }, () => new ThreadJob(script, { config, outDir: join(out, 'runs'), placement: flags.placement }));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`explore: ${flags.seeds} seeds from ${flags.seedStart} on ${flags.topology} (${flags.faults.join(',')}, ${flags.durationMs} ms), placement ${flags.placement}, ${info.jobs} jobs -> ${out}`);

  const failures = new Map<number, FailureEntry>();
  const writeReport = (t: Parameters<typeof reportMarkdown>[1]) => {
    const list = [...failures.values()].sort((a, b) => a.seed - b.seed);
    writeFileSync(join(out, 'report.json'), reportJson(info, t, list));
    writeFileSync(join(out, 'report.md'), reportMarkdown(info, t, list));
  };

  let stopping = false;
  // Ctrl-C (or a kill, e.g. a timeout's SIGTERM): stop and write what there is; again: quit at once.
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    say('explore: interrupted: stopping the jobs and writing what there is (Ctrl-C again to quit at once)');
    for (const j of jobs) void j.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let lastProgress = -Infinity;
  const totals = await explore(flags.seedStart, flags.seeds, jobs, {
    stopped: () => stopping,
    onFailed: (seed, doc, result) => {
      const file = join(out, originalName(doc));
      writeFileSync(file, originalFile(doc, result, info, file));
      failures.set(seed, { seed, why: result.why, ...(result.detail ? { detail: result.detail } : {}), file });
      say(`explore: seed ${seed} FAILED: ${result.why.join(', ')}${result.detail ? ` — ${result.detail.slice(0, 300)}` : ''}; shrinking (${file})`);
    },
    onOutcome: (o) => {
      if (!o.shrunk || !o.doc) return;
      const entry = failures.get(o.seed)!;
      const file = join(out, shrunkName(o.doc));
      writeFileSync(file, shrunkFile(o, info, file, entry.file));
      const s = o.shrunk;
      entry.shrunk = { file, why: s.result.why, ...(s.result.detail ? { detail: s.result.detail } : {}), runs: s.runs, exhausted: s.exhausted, steps: s.steps };
      say(`explore: seed ${o.seed} shrunk in ${s.runs} runs${s.exhausted ? ' (run limit)' : ''}: ${s.steps.at(-1) ?? 'nothing smaller fails the same way'} -> ${file}`);
    },
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_EVERY_MS && p.done < p.total) return;
      lastProgress = now;
      say(`explore: ${p.done}/${p.total} seeds, ${p.failures} failing, ${p.perMinute} seeds/min, ${clock(p.elapsedMs)} elapsed${p.etaMs !== undefined && p.done < p.total ? `, ETA ${clock(p.etaMs)}` : ''}`);
    },
  });
  await Promise.all(jobs.map((j) => j.close()));
  // The runs' results folders are removed after each run; so is what is left of them.
  rmSync(join(out, 'runs'), { recursive: true, force: true });
  writeReport(totals);
  say(`explore: ${totals.seedsRun} seeds${totals.interrupted ? ' (interrupted)' : ''} in ${clock(totals.wallMs)}: ${totals.perMinute} seeds/min; ${totals.failures.length} failed, ${totals.errors.length} broke -> ${join(out, 'report.md')}`);
  process.exitCode = totals.failures.length || totals.errors.length ? 1 : 0;
});
