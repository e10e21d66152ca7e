// Experiments as data (topologies/experiments/*.json): a topology, a seed, traffic, and a
// timeline of faults and checks. This is the document's shape; parse.ts checks a file against
// it and against its topology.
import { z } from 'zod';
import { checkToxicSpec } from '../faults/registry.ts';
import type { ToxicInfo } from '../faults/toxic.ts';
import type { LatencyAttributes } from '../faults/toxics/latency.ts';
import { Duration, LivenessSchema, type Topology } from '../topology/schema.ts';
import { type Issue, under } from '../util/zod-issues.ts';

export { Duration };

/** A link as "a-b": two adjacent server ids, or a proxied client and its server; either order. */
const Link = z.string().regex(/^\d+-\d+$/, 'a link "a-b" between two server ids (or a client and its server)');
const Direction = z.enum(['upstream', 'downstream', 'both']).default('both');
/** cut: connections closed and new ones refused; silent: bytes dropped, connections left open (only liveness finds it). */
const Mode = z.enum(['cut', 'silent']);
const id = z.number().int().min(1).max(0xffff_ffff);
const at = { at: Duration.optional() };

/** The two ids of a link "a-b". */
export function linkEnds(link: string): [number, number] {
  const [a, b] = link.split('-').map(Number) as [number, number];
  return [a, b];
}

/** Issues found outside zod (by the toxic registry), reported from inside a transform. */
function report(ctx: z.RefinementCtx, issues: readonly Issue[]): typeof z.NEVER {
  for (const i of issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  return z.NEVER;
}

/**
 * `latency` is a latency toxic with its attributes beside `link`: checked by the latency toxic's
 * own schema (the registry's), so its bounds are defined once. Parsed, it carries the toxic as
 * every other toxic action does: a ToxicInfo, validated here and nowhere after.
 */
const LatencyAction = z.looseObject({ ...at, do: z.literal('latency'), link: Link }).transform((v, ctx) => {
  const { at: when, do: what, link, ...spec } = v;
  if ('type' in spec) return report(ctx, [{ path: ['type'], message: 'unknown field "type": a latency action is a latency toxic (use "do": "toxic" for others)' }]);
  const r = checkToxicSpec({ ...spec, type: 'latency' });
  if ('issues' in r) return report(ctx, r.issues);
  return { at: when, do: what, link, toxic: r.value as ToxicInfo<LatencyAttributes> & { type: 'latency' } };
});

/** `toxic`: any toxic spec, parsed by the registry into the ToxicInfo the proxy takes as it is. */
const ToxicAction = z.strictObject({
  ...at,
  do: z.literal('toxic'),
  link: Link,
  toxic: z.record(z.string(), z.unknown(), { error: 'a toxic spec like {"type": "latency", "ms": 50}' }),
}).transform((v, ctx) => {
  const r = checkToxicSpec(v.toxic);
  return 'issues' in r ? report(ctx, under(['toxic'], r.issues)) : { ...v, toxic: r.value };
});

/** The actions, by their `do`, in the order the docs list them. */
const actions = {
  latency: LatencyAction,
  toxic: ToxicAction,
  remove: z.strictObject({ ...at, do: z.literal('remove'), link: Link, name: z.string() }),
  down: z.strictObject({ ...at, do: z.literal('down'), link: Link, direction: Direction, how: z.enum(['close', 'reset']).default('close'), mode: Mode.default('cut') }),
  /** with `mode`, only where the link is down that way */
  up: z.strictObject({ ...at, do: z.literal('up'), link: Link, direction: Direction, mode: Mode.optional() }),
  hold: z.strictObject({ ...at, do: z.literal('hold'), link: Link, direction: Direction }),
  release: z.strictObject({ ...at, do: z.literal('release'), link: Link, direction: Direction }),
  partition: z.strictObject({ ...at, do: z.literal('partition'), groups: z.array(z.array(id).min(1)).min(1), mode: Mode.default('cut') }),
  heal: z.strictObject({ ...at, do: z.literal('heal') }),
  crash: z.strictObject({ ...at, do: z.literal('crash'), server: id }),
  restart: z.strictObject({ ...at, do: z.literal('restart'), server: id }),
  quit: z.strictObject({ ...at, do: z.literal('quit'), client: id, text: z.string().default('') }),
  disconnect: z.strictObject({ ...at, do: z.literal('disconnect'), client: id }),
  join: z.strictObject({ ...at, do: z.literal('join'), client: id }),
} as const;

/** The checks, by their `expect`. */
const checks = {
  /** no node still knows `id` (or, with `by`, none of those servers and their clients), within the time */
  forgotten: z.strictObject({ ...at, expect: z.literal('forgotten'), id, within: Duration, by: z.array(id).min(1).optional() }),
  /** every node that should know `id` does */
  known: z.strictObject({ ...at, expect: z.literal('known'), id, within: Duration }),
  /** every live node knows exactly what it should (per side, while split) */
  converged: z.strictObject({ ...at, expect: z.literal('converged'), within: Duration }),
  /** the nodes' own states: each part of the live tree whole, with the right next hops and adjacency (consistency.ts) */
  consistent: z.strictObject({ ...at, expect: z.literal('consistent'), within: Duration }),
} as const;

export const ACTIONS = Object.keys(actions);
export const CHECKS = Object.keys(checks);

export type Action = z.output<(typeof actions)[keyof typeof actions]>;
export type Check = z.output<(typeof checks)[keyof typeof checks]>;
export type TimelineEntry = Action | Check;

const lookup = <T extends object>(table: T, key: unknown): T[keyof T] | undefined =>
  typeof key === 'string' && Object.hasOwn(table, key) ? table[key as keyof T] : undefined;

/**
 * One timeline entry, checked against the schema its `do` or `expect` names, so an error
 * names the exact field rather than "no union member matched".
 */
const Entry = z.unknown().transform((v, ctx) => {
  const o = (v ?? {}) as Record<string, unknown>;
  const schema: z.ZodType | undefined = lookup(actions, o.do) ?? lookup(checks, o.expect);
  if (!schema) {
    ctx.addIssue({ code: 'custom', message: typeof o.do === 'string' ? `unknown action "${o.do}" (one of ${ACTIONS.join(', ')})` : typeof o.expect === 'string' ? `unknown check "${o.expect}" (one of ${CHECKS.join(', ')})` : 'an entry needs "do" (an action) or "expect" (a check)' });
    return z.NEVER;
  }
  const r = schema.safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ ...issue } as never);
    return z.NEVER;
  }
  return r.data as TimelineEntry;
});

export const ExperimentSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-" (it names a results folder)'),
  description: z.string().optional(),
  /** a generator spec ("middle-earth", "tree:20:3", …), a path to a topology file, or the topology itself */
  topology: z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'a generator spec ("middle-earth", "tree:20:3", …), a path to a topology file, or a topology object' }),
  /** seeds jitter samples and toxicity draws: the same seed replays the same experiment */
  seed: z.number().int().min(0).max(0xffff_ffff).default(1),
  serversPerWorker: z.number().int().min(1).default(1),
  /** where the servers run (default: the topology's, else "workers"); --placement overrides it */
  placement: z.enum(['workers', 'processes', 'external', 'sim']).optional(),
  /** which server links go through the fault proxies: all (default) or a list of "a-b" */
  proxyLinks: z.union([z.literal('all'), z.array(Link)]).default('all'),
  /** clients whose link to their server also goes through a proxy ("all" or ids); its link is "<client>-<server>" */
  proxyClients: z.union([z.literal('all'), z.array(id)]).default([]),
  traffic: z.array(z.strictObject({
    from: id,
    to: id,
    /** chats per second */
    rate: z.number().positive().max(100_000),
    size: z.number().int().min(1).max(65_536).default(64),
    start: Duration.default(0),
    stop: Duration.optional(),
  })).default([]),
  timeline: z.array(Entry).default([]),
  /** how long the experiment runs; default: the last timeline time plus 1 s */
  duration: Duration.optional(),
  /**
   * record every server-to-server frame (for the Lamport diagram); 'control': every frame but
   * chats (a heavy flow's chats swamp the coordinator and the diagram); false for huge runs
   */
  traceFrames: z.union([z.boolean(), z.literal('control')]).default(true),
  /** the servers' liveness, overriding the topology's (see topology/schema.ts) */
  liveness: LivenessSchema.optional(),
});

/** An experiment document as written (its topology a spec, a path or inline). */
export type ExperimentDoc = z.output<typeof ExperimentSchema>;
/** A checked experiment (see parse.ts): its topology resolved, every reference in it valid. */
export type Experiment = Omit<ExperimentDoc, 'topology'> & { topology: Topology };

export class ExperimentError extends Error {
  override readonly name = 'ExperimentError';
}

export const isCheck = (e: TimelineEntry): e is Check => 'expect' in e;
