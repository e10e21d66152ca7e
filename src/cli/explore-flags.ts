// npm run explore's flags, checked: every error names its flag.
import { availableParallelism } from 'node:os';
import { DEFAULT_SHRINK_RUNS } from '../explore/shrink.ts';
import { FAULT_KINDS, type FaultKind } from '../explore/nemesis.ts';
import { PLACEMENTS } from '../placement/index.ts';
import { Duration } from '../topology/schema.ts';
import { UsageError, choiceFlag, intFlag, parseFlags, requireString } from './args.ts';

/** Where explore runs its schedules: in sim (one thread, virtual time: fast and exact). */
export const DEFAULT_PLACEMENT = 'sim';
export const DEFAULT_DURATION_MS = 10_000;
/** sim, or real ports; not external: explore starts its own networks, thousands of them. */
const EXPLORE_PLACEMENTS = ['sim', ...PLACEMENTS.filter((p) => p !== 'external')] as const;

export const EXPLORE_USAGE = `usage: npm run explore -- --topology SPEC --seeds N [--faults ${FAULT_KINDS.join(',')}]
                          [--duration D] [--seed-start S] [--out DIR] [--jobs J] [--shrink-runs R]
                          [--placement ${EXPLORE_PLACEMENTS.join('|')}]

For each seed a random fault schedule (the nemesis: partitions cut or silent, crashes and
restarts, flapping links, latency, silent one-way links, held links; traffic across the tree;
everything healed at the end, then "expect consistent" and the traffic audit) is run as an
experiment (default placement ${DEFAULT_PLACEMENT}). A failing schedule is shrunk to a smaller file that
fails the same way; both go to DIR (default results/explore/<topology>-<time>/) with report.md
and report.json. Replay a file with: npm run experiment -- FILE. Ctrl-C writes what it has.
  --topology SPEC    middle-earth, tree:N[:seed], chain:N, star:N, balanced:F:D or a topology file
  --seeds N          how many seeds, from --seed-start (default 1)
  --faults LIST      the fault kinds to draw from (default: all)
  --duration D       the window the faults happen in, e.g. 10s (default 10s); then 5 s to settle
  --jobs J           seeds run in parallel, a worker thread each (default: the cores, ${availableParallelism()})
  --shrink-runs R    the most runs shrinking one failure may spend (default ${DEFAULT_SHRINK_RUNS})
`;

export interface ExploreFlags {
  help: boolean;
  topology: string;
  seeds: number;
  seedStart: number;
  faults: FaultKind[];
  durationMs: number;
  out?: string;
  jobs: number;
  shrinkRuns: number;
  placement: string;
}

export function parseExploreFlags(argv: string[]): ExploreFlags {
  const { values } = parseFlags(argv, {
    topology: { type: 'string' },
    seeds: { type: 'string' },
    'seed-start': { type: 'string' },
    faults: { type: 'string' },
    duration: { type: 'string' },
    out: { type: 'string' },
    jobs: { type: 'string' },
    'shrink-runs': { type: 'string' },
    placement: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return { help: true } as ExploreFlags;
  const faults = values.faults === undefined ? [...FAULT_KINDS] : values.faults.split(',').map((f) => f.trim());
  const unknown = faults.find((f) => !(FAULT_KINDS as readonly string[]).includes(f));
  if (unknown !== undefined) throw new UsageError(`--faults: unknown fault '${unknown}' (one of ${FAULT_KINDS.join(', ')})`);
  if (faults.length === 0) throw new UsageError('--faults: name at least one fault kind');
  let durationMs = DEFAULT_DURATION_MS;
  if (values.duration !== undefined) {
    const d = Duration.safeParse(/^\d+$/.test(values.duration) ? Number(values.duration) : values.duration);
    if (!d.success || d.data < 100 || d.data > 3_600_000) throw new UsageError(`--duration must be a duration from 100ms to 1h like "10s" or "500ms", got '${values.duration}'`);
    durationMs = d.data;
  }
  return {
    help: false,
    topology: requireString(values, 'topology'),
    seeds: intFlag(values, 'seeds', 1, 100_000_000),
    seedStart: intFlag(values, 'seed-start', 0, 0xffff_ffff, 1),
    faults: [...new Set(faults)] as FaultKind[],
    durationMs,
    out: values.out,
    jobs: intFlag(values, 'jobs', 1, 256, availableParallelism()),
    shrinkRuns: intFlag(values, 'shrink-runs', 0, 100_000, DEFAULT_SHRINK_RUNS),
    placement: choiceFlag(values, 'placement', EXPLORE_PLACEMENTS) ?? DEFAULT_PLACEMENT,
  };
}
