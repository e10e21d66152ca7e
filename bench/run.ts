// npm run bench: routing throughput against two ceilings, convergence after a quit (with and
// without injected link latency), registration convergence, a silent partition found by
// liveness, and a scale sweep — measured side by side in one run, written to results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Simulation } from '../src/coordinator/simulation.ts';
import { livenessOf } from '../src/coordinator/liveness-defaults.ts';
import { diameter, resolveTopology } from '../src/topology/generate.ts';
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { machineInfo } from '../src/util/machine.ts';
import { type ConvergenceRow, type RegistrationRow, eccentricity, measureClientJoin, measureQuit, measureServerJoin } from './phases/convergence.ts';
import type { ClosableProgress } from './report/progress.ts';
import { type ThroughputRow, runThroughput, PAIRS } from './phases/throughput.ts';
import { type ScaleRow, isFullRow, runScale } from './phases/scale.ts';
import { applyLinkLatency } from './phases/latency.ts';
import { type SilentPartitionRow, measureSilentPartition } from './phases/silent-partition.ts';
import { renderMarkdown, type BenchReport } from './report/markdown.ts';
import { measureWakeups } from './wakeup.ts';
import { floodTree } from './flood.ts';
import { renderCharts } from './report/charts.ts';
import { createProgress } from './report/progress.ts';

const USAGE = `usage: npm run bench -- [--quick] [--out DIR] [--only PHASES] [--repeats R] [--duration-ms D]

  --quick          a smoke run in under a minute (fewer cases, shorter runs); numbers are not comparable
  --out DIR        where to write results (default results/, or results/quick/ with --quick, so a
                   smoke run never replaces the committed full run)
  --only PHASES    comma list of throughput,convergence,registration,silent,scale (default all)
  --repeats R      repeats per convergence case (default 30; quick 5); the silent partition
                   takes ~2 s a repeat, so it runs at most 20 (quick 2)
  --duration-ms D  load duration per throughput case (default 2000; quick 300)
`;

await runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  const { values } = parseFlags(argv, {
    quick: { type: 'boolean' },
    out: { type: 'string' },
    only: { type: 'string' },
    repeats: { type: 'string' },
    'duration-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const quick = values.quick ?? false;
  const repeats = intFlag(values, 'repeats', 1, 10_000, quick ? 5 : 30);
  const durationMs = intFlag(values, 'duration-ms', 50, 600_000, quick ? 300 : 2000);
  const phases = new Set((values.only ?? 'throughput,convergence,registration,silent,scale').split(','));
  for (const p of phases) {
    if (!['throughput', 'convergence', 'registration', 'silent', 'scale'].includes(p)) throw new Error(`--only: unknown phase '${p}'`);
  }
  const out = values.out ?? (quick ? join('results', 'quick') : 'results');
  const started = new Date();
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const progress: ClosableProgress = createProgress();
  const notes: string[] = [];
  const log = (l: string) => {
    notes.push(l);
    progress.note(l);
  };

  let throughput: ThroughputRow[] = [];
  if (phases.has('throughput')) {
    throughput = await runThroughput(quick
      ? { hops: [0, 3], windows: [1, 256], sizes: [64], extra: [[5, 256, 64]], durationMs, mix: true, ceilings: true, hopRounds: 2 }
      : { hops: [0, 1, 3], windows: [1, 16, 256], sizes: [16, 256, 4096], extra: [[3, 256, 64], [3, 1, 64], [5, 256, 64]], durationMs, mix: true, ceilings: true, hopRounds: 5 },
      progress, log);
  }

  const convergence: ConvergenceRow[] = [];
  const registration: RegistrationRow[] = [];
  let wakeup: BenchReport['wakeup'];
  if (phases.has('convergence') || phases.has('registration')) {
    const topology = resolveTopology('middle-earth');
    const latencies = quick ? [0, 5] : [0, 5, 20];
    // Two placements: one server per worker (the default) and all eleven in one worker. On a
    // 2-core machine each cross-thread hop costs a thread wake-up; the pair shows how much.
    const placements = [1, topology.servers.length];
    const cases = phases.has('convergence') ? placements.length * latencies.length * repeats : 0;
    const regs = phases.has('registration') ? placements.length * 2 * repeats : 0;
    progress.phase('convergence', cases + regs);
    for (const k of placements) {
      for (const ms of phases.has('convergence') ? latencies : [0]) {
        // Injected latency goes through the fault proxies; 0 keeps links direct.
        const sim = await Simulation.start({ topology, serversPerWorker: k, proxyLinks: ms > 0 ? 'all' : undefined });
        try {
          await sim.converged({ timeoutMs: 20_000 });
          if (ms > 0) await applyLinkLatency(sim, ms);
          if (phases.has('convergence')) {
            convergence.push(await measureQuit({
              sim, topology, quitter: 108, repeats, linkLatencyMs: ms, links: ms > 0 ? 'proxied' : 'direct', diameter: diameter(topology).hops, serversPerWorker: k,
            }, progress, 'convergence'));
          }
          if (ms === 0 && phases.has('registration')) {
            registration.push(await measureClientJoin(sim, topology, 11, repeats, progress, 'convergence'));
            registration.push(await measureServerJoin(sim, topology, 3, repeats, progress, 'convergence'));
          }
        } finally {
          await sim.stop();
        }
      }
    }
    if (phases.has('convergence')) {
      // The floor under those numbers, in the same run: thread wake-ups, and the same tree of threads flooded with no CRC code.
      progress.note('convergence: measuring thread wake-ups and a code-free flood');
      wakeup = { rows: await measureWakeups(quick ? 200 : 1000), flood: await floodTree(topology, 108, quick ? 10 : repeats) };
    }
    progress.done('convergence');
  }

  const silentPartition: SilentPartitionRow[] = [];
  if (phases.has('silent')) {
    // The middle link of middle-earth (lothlorien-rivendale): each side is two links deep.
    const topology = resolveTopology('middle-earth');
    const latencies = quick ? [5] : [0, 5];
    const silentRepeats = Math.min(repeats, quick ? 2 : 20);
    progress.phase('silent partition', latencies.length * silentRepeats);
    for (const ms of latencies) {
      silentPartition.push(await measureSilentPartition({
        topology, link: [4, 2], linkLatencyMs: ms, repeats: silentRepeats, liveness: livenessOf({ topology }),
      }, progress, 'silent partition'));
    }
    progress.done('silent partition');
  }

  let scale: ScaleRow[] = [];
  if (phases.has('scale')) {
    // Each size in a fresh process, as npm run bench:scale runs it; here with quits and load too.
    const rows = await runScale({ sizes: quick ? [11, 100] : [11, 100, 1000], repeats: Math.min(repeats, quick ? 3 : 10), durationMs }, progress, log);
    scale = rows.filter(isFullRow);
  }

  const report: BenchReport = {
    command,
    started: started.toISOString(),
    finished: new Date().toISOString(),
    quick,
    machine: machineInfo(),
    settings: { repeats, durationMs, pairs: PAIRS, quitter: { id: 108, server: 11, eccentricity: eccentricity(resolveTopology('middle-earth'), 11) } },
    throughput,
    convergence,
    registration,
    scale,
    silentPartition,
    wakeup,
    notes,
  };
  mkdirSync(out, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const jsonPath = join(out, `bench-${stamp}.json`);
  writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
  const charts = await renderCharts(report, out);
  const md = renderMarkdown(report, jsonPath, charts);
  writeFileSync(join(out, 'latest.md'), md.text);
  progress.close();
  process.stdout.write(`\n${md.summary}\n\nwrote ${jsonPath}, ${join(out, 'latest.md')}${charts.length ? `, ${charts.join(', ')}` : ''}\n`);
});
