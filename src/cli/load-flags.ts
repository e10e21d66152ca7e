// `npm run load` flags -> checked options. Every error names its flag; nothing starts until
// the whole command line is valid (the experiment file and the pattern file included).
import { UsageError, choiceFlag, intFlag, parseFlags } from './args.ts';
import { ExperimentError } from '../experiment/schema.ts';
import { loadExperimentFile } from '../experiment/parse.ts';
import type { LoadPlan } from '../load/run-load.ts';
import { TOPOLOGY_SPECS, resolveTopology } from '../topology/generate.ts';
import { TopologyError, type Topology } from '../topology/schema.ts';
import { LoadSpecError, PATTERNS, type FlowSpec, resolvePattern } from '../load/patterns.ts';
import { type Step, rampSteps } from '../load/schedule.ts';
import { type Slo, parseSlo } from '../load/slo.ts';
import { LOAD_STAMP_BYTES } from '../load/stamp.ts';

export const LOAD_USAGE = `usage: npm run load -- --rate R --duration D [--topology SPEC|FILE] [--placement workers|processes]
         [--servers-per-worker K] [--pattern P] [--size B] [--clients N] [--ramp FROM:TO:STEP:EACH]
         [--find-max --slo "p99<5ms"] [--experiment FILE] [--out DIR] [--seed S] [--plain]

  --rate R                 total chats per second over every flow (open loop: a fixed schedule)
  --duration D             how long, e.g. 10s, 500ms, 2m (with --find-max: each trial's length)
  --topology SPEC          ${TOPOLOGY_SPECS} (default middle-earth)
  --placement P            workers (default) or processes
  --servers-per-worker K   servers per worker thread (default 1)
  --pattern P              ${PATTERNS} (default all-pairs)
  --size B                 chat text bytes, at least ${LOAD_STAMP_BYTES} (default 64)
  --clients N              load generator threads; each has one client on every server it loads (default 1)
  --ramp FROM:TO:STEP:EACH rates FROM, FROM+STEP, … TO (chats/s), each held for EACH (e.g. 1000:8000:1000:5s)
  --find-max               ramp (doubling from --rate), then bisect, to the highest rate keeping --slo
  --slo "p99<5ms"          the objective for --find-max: p50, p90, p99, p99.9 or max under a time
  --experiment FILE        play an experiment's timeline (its faults) over the load; its topology is used
  --out DIR                results folder (default results/load/<timestamp>/)
  --seed S                 seeds the flows' phases (and the experiment's toxics); same seed, same schedule (default 1)
  --plain                  plain lines even in a terminal (the default without one, or with CI=true)
`;

export interface LoadOptions extends Omit<LoadPlan, 'command' | 'replay'> {
  plain: boolean;
}

/** "10s", "500ms", "2m" or a number of ms. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new UsageError(`--${flag} must be a duration like 10s, 500ms or 2m, got '${text}'`);
  const v = Number(m[1]);
  const ms = m[2] === 's' ? v * 1000 : m[2] === 'm' ? v * 60_000 : v;
  if (!(ms >= 1000 && ms <= 3_600_000)) throw new UsageError(`--${flag} must be from 1s to 60m (the stamp's clock wraps after 71 minutes), got '${text}'`);
  return ms;
}

function positiveNumber(flag: string, text: string | undefined, max: number): number {
  const n = Number(text);
  if (text === undefined || text === '' || !(n > 0) || n > max) throw new UsageError(`--${flag} must be a number above 0 and at most ${max}, got '${text ?? ''}'`);
  return n;
}

export function parseLoadFlags(argv: string[]): LoadOptions | 'help' {
  const { values } = parseFlags(argv, {
    topology: { type: 'string' },
    placement: { type: 'string' },
    'servers-per-worker': { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    pattern: { type: 'string', default: 'all-pairs' },
    size: { type: 'string' },
    clients: { type: 'string' },
    ramp: { type: 'string' },
    'find-max': { type: 'boolean' },
    slo: { type: 'string' },
    experiment: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    plain: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const findMax = values['find-max'] ?? false;
  if (findMax && values.ramp !== undefined) throw new UsageError('--find-max and --ramp cannot be combined: --find-max makes its own ramp');
  if (findMax && values.slo === undefined) throw new UsageError('--find-max needs --slo, e.g. --slo "p99<5ms"');
  if (!findMax && values.slo !== undefined) throw new UsageError('--slo is only for --find-max');
  if (values.experiment !== undefined && values.topology !== undefined) throw new UsageError('--experiment brings its own topology: drop --topology');
  if (values.experiment !== undefined && findMax) throw new UsageError('--experiment and --find-max cannot be combined: the faults would land in different trials');

  let steps: Step[];
  let mode: LoadOptions['mode'];
  if (values.ramp !== undefined) {
    const parts = values.ramp.split(':');
    if (parts.length !== 4) throw new UsageError(`--ramp must be FROM:TO:STEP:EACH, e.g. 1000:8000:1000:5s, got '${values.ramp}'`);
    const [from, to, step] = parts.slice(0, 3).map((p, i) => positiveNumber(`ramp (${['FROM', 'TO', 'STEP'][i]})`, p, 1_000_000)) as [number, number, number];
    if (to < from) throw new UsageError(`--ramp: TO (${to}) is below FROM (${from})`);
    const each = parseDuration('ramp (EACH)', parts[3]!);
    steps = rampSteps(from, to, step, each);
    if (steps.length > 100) throw new UsageError(`--ramp makes ${steps.length} steps; at most 100`);
    if (values.rate !== undefined || values.duration !== undefined) throw new UsageError('--ramp sets the rates and the duration: drop --rate and --duration');
    mode = 'ramp';
  } else {
    if (values.rate === undefined) throw new UsageError('missing required flag --rate (or give --ramp)');
    if (values.duration === undefined) throw new UsageError('missing required flag --duration (or give --ramp)');
    steps = [{ rate: positiveNumber('rate', values.rate, 1_000_000), durationMs: parseDuration('duration', values.duration) }];
    mode = findMax ? 'find-max' : 'run';
  }

  let experiment: LoadOptions['experiment'];

  let topology: Topology;
  const topologySpec = values.topology ?? 'middle-earth';
  try {
    if (values.experiment !== undefined) {
      experiment = { file: values.experiment, exp: loadExperimentFile(values.experiment) };
      topology = experiment.exp.topology;
    } else topology = resolveTopology(topologySpec);
  } catch (err) {
    if (err instanceof ExperimentError) throw new UsageError(`--experiment ${err.message}`);
    if (err instanceof TopologyError) throw new UsageError(`--topology ${err.message}`);
    throw err;
  }
  const placement = choiceFlag(values, 'placement', ['workers', 'processes'] as const) ?? (experiment?.exp.placement === 'processes' ? 'processes' : undefined) ?? (topology.placement === 'processes' ? 'processes' : 'workers');
  let flows: FlowSpec[];
  try {
    flows = resolvePattern(values.pattern!, topology);
  } catch (err) {
    if (err instanceof LoadSpecError) throw new UsageError(err.message);
    throw err;
  }
  const size = intFlag(values, 'size', LOAD_STAMP_BYTES, 65_536, 64);
  return {
    topology, placement,
    serversPerWorker: intFlag(values, 'servers-per-worker', 1, 100_000, experiment?.exp.serversPerWorker ?? 1),
    pattern: values.pattern!, flows, size,
    generators: intFlag(values, 'clients', 1, 64, 1),
    seed: intFlag(values, 'seed', 0, 0xffff_ffff, experiment?.exp.seed ?? 1),
    mode, steps,
    slo: findMax ? parseSloFlag(values.slo!) : undefined,
    experiment, out: values.out, plain: values.plain ?? false,
  };
}

function parseSloFlag(text: string): Slo {
  try {
    return parseSlo(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
