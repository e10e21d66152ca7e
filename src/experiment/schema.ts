// Experiments as data (topologies/experiments/*.json): a topology, a seed, traffic, and a
// timeline of faults and checks. Validated with errors naming the file and the field.
import { z } from 'zod';
import { TopologySchema } from '../topology/schema.ts';
import { readJsonFile } from '../util/json-file.ts';

/** "2s", "500ms", "1.5s", "1m", or a number of ms. */
export const Duration = z.union([
  z.number().min(0),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, 'a duration like "500ms", "2s" or "1m"'),
], { error: (issue) => (issue.input === undefined ? 'required: a duration like "500ms", "2s" or a number of ms' : 'a duration like "500ms", "2s", "1m" or a number of ms') }).transform((v) => {
  if (typeof v === 'number') return v;
  const n = Number.parseFloat(v);
  return v.endsWith('ms') ? n : v.endsWith('m') ? n * 60_000 : n * 1000;
});

/** A link as "a-b": two adjacent server ids, or a proxied client and its server; either order. */
const Link = z.string().regex(/^\d+-\d+$/, 'a link "a-b" between two server ids (or a client and its server)');
const Direction = z.enum(['upstream', 'downstream', 'both']).default('both');
const id = z.number().int().min(1).max(0xffff_ffff);
const at = { at: Duration.optional() };

const actions = [
  z.strictObject({ ...at, do: z.literal('latency'), link: Link, ms: z.number().min(0), jitter: z.number().min(0).default(0), distribution: z.enum(['uniform', 'normal']).default('uniform'), direction: Direction, name: z.string().optional() }),
  z.strictObject({ ...at, do: z.literal('toxic'), link: Link, toxic: z.looseObject({ type: z.string() }) }),
  z.strictObject({ ...at, do: z.literal('remove'), link: Link, name: z.string() }),
  z.strictObject({ ...at, do: z.literal('down'), link: Link, direction: Direction, how: z.enum(['close', 'reset']).default('close') }),
  z.strictObject({ ...at, do: z.literal('up'), link: Link, direction: Direction }),
  z.strictObject({ ...at, do: z.literal('hold'), link: Link, direction: Direction }),
  z.strictObject({ ...at, do: z.literal('release'), link: Link, direction: Direction }),
  z.strictObject({ ...at, do: z.literal('partition'), groups: z.array(z.array(id).min(1)).min(1) }),
  z.strictObject({ ...at, do: z.literal('heal') }),
  z.strictObject({ ...at, do: z.literal('crash'), server: id }),
  z.strictObject({ ...at, do: z.literal('restart'), server: id }),
  z.strictObject({ ...at, do: z.literal('quit'), client: id, text: z.string().default('') }),
  z.strictObject({ ...at, do: z.literal('disconnect'), client: id }),
  z.strictObject({ ...at, do: z.literal('join'), client: id }),
] as const;

const checks = [
  /** no node still knows `id` (or, with `by`, none of those servers and their clients), within the time */
  z.strictObject({ ...at, expect: z.literal('forgotten'), id, within: Duration, by: z.array(id).min(1).optional() }),
  /** every node that should know `id` does */
  z.strictObject({ ...at, expect: z.literal('known'), id, within: Duration }),
  /** every live node knows exactly what it should (per side, while split) */
  z.strictObject({ ...at, expect: z.literal('converged'), within: Duration }),
] as const;

const byKey = <T extends readonly z.ZodTypeAny[]>(key: string, options: T) => {
  const kinds = new Map(options.map((o) => [((o as unknown as z.ZodObject).shape[key] as z.ZodLiteral).value as string, o]));
  return [...kinds.keys()];
};
export const ACTIONS = byKey('do', actions);
export const CHECKS = byKey('expect', checks);

/**
 * One timeline entry, checked against the schema its `do` or `expect` names, so an error
 * names the exact field rather than "no union member matched".
 */
const Entry = z.unknown().transform((v, ctx) => {
  const o = (v ?? {}) as Record<string, unknown>;
  const schema = typeof o.do === 'string'
    ? actions.find((a) => (a.shape.do as z.ZodLiteral).value === o.do)
    : typeof o.expect === 'string' ? checks.find((c) => (c.shape.expect as z.ZodLiteral).value === o.expect) : undefined;
  if (!schema) {
    ctx.addIssue({ code: 'custom', message: typeof o.do === 'string' ? `unknown action "${o.do}" (one of ${ACTIONS.join(', ')})` : typeof o.expect === 'string' ? `unknown check "${o.expect}" (one of ${CHECKS.join(', ')})` : 'an entry needs "do" (an action) or "expect" (a check)' });
    return z.NEVER;
  }
  const r = (schema as z.ZodTypeAny).safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ ...issue } as never);
    return z.NEVER;
  }
  return r.data as Action | Check;
});

export type Action = z.infer<(typeof actions)[number]>;
export type Check = z.infer<(typeof checks)[number]>;
export type TimelineEntry = Action | Check;

export const ExperimentSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-" (it names a results folder)'),
  description: z.string().optional(),
  /** a generator spec ("middle-earth", "tree:20:3", …), a path to a topology file, or the topology itself */
  topology: z.union([z.string(), TopologySchema]),
  /** seeds jitter samples and toxicity draws: the same seed replays the same experiment */
  seed: z.number().int().min(0).max(0xffff_ffff).default(1),
  serversPerWorker: z.number().int().min(1).default(1),
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
});

export type Experiment = z.infer<typeof ExperimentSchema>;

export class ExperimentError extends Error {
  override readonly name = 'ExperimentError';
}

export function parseExperiment(doc: unknown, file: string): Experiment {
  const r = ExperimentSchema.safeParse(doc);
  if (!r.success) {
    throw new ExperimentError(r.error.issues.map((i) => `${file}: ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n'));
  }
  return r.data;
}

export function loadExperimentFile(path: string): Experiment {
  return parseExperiment(readJsonFile(path, (m) => new ExperimentError(m)), path);
}

export const isCheck = (e: TimelineEntry): e is Check => 'expect' in e;
