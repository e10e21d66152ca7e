// Scenarios as data: hosts, steps, expected final state. One model serves both our own
// scenario files (topologies/scenarios/*.json) and course .cfg files (parsed in cfg.ts).
import { z } from 'zod';
import { type Issue, formatIssues, fromZod } from '../util/zod-issues.ts';

const id = z.number().int().min(1).max(0xffff_ffff);
const name = z.string().min(1);

const ServerStepSchema = z.strictObject({
  server: name,
  id,
  info: z.string(),
  /** name of the server to join (its bootstrap) */
  join: name.optional(),
});
const ClientStepSchema = z.strictObject({ client: name, id, info: z.string(), server: name });

const MsgStepSchema = z.strictObject({ msg: name, to: z.number().int().min(0).max(0xffff_ffff), text: z.string() });
const QuitStepSchema = z.strictObject({ quit: name, text: z.string().default('') });
/** A real pause in ms. Between steps the runner already waits until the network is quiet. */
const WaitStepSchema = z.strictObject({ wait: z.number().min(0).max(600_000) });

/**
 * A step's kind is the key it has (client, server, msg, quit, wait); it is then checked
 * against that kind's schema alone, so an error names the exact field instead of
 * "matches none of the step kinds".
 */
const STEP_KINDS = [
  ['client', ClientStepSchema],
  ['server', ServerStepSchema],
  ['msg', MsgStepSchema],
  ['quit', QuitStepSchema],
  ['wait', WaitStepSchema],
] as const;

export const StepSchema = z.unknown().transform((v, ctx) => {
  const kind = v !== null && typeof v === 'object' ? STEP_KINDS.find(([k]) => k in v) : undefined;
  if (!kind) {
    ctx.addIssue({ code: 'custom', message: 'a step needs one of the keys client, server, msg, quit, wait' });
    return z.NEVER;
  }
  const r = kind[1].safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
    return z.NEVER;
  }
  return r.data as z.infer<typeof ClientStepSchema> | z.infer<typeof ServerStepSchema> | z.infer<typeof MsgStepSchema> | z.infer<typeof QuitStepSchema> | z.infer<typeof WaitStepSchema>;
});

const ids = z.array(z.number().int().min(0));
export const ExpectSchema = z.strictObject({
  // servers
  hosts: ids.optional(),
  adjacentServers: ids.optional(),
  adjacentUsers: ids.optional(),
  statusLog: z.array(z.string()).optional(),
  /** hex of the first frame each inbound connection sent (a joining server's registration) */
  joinFrames: z.array(z.string().regex(/^[0-9a-f]*$/)).optional(),
  // clients
  users: ids.optional(),
  chatLog: z.array(z.string()).optional(),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** 'sequence': logs must match in order (our files); 'set': as sets with a count check (the course's rule) */
  logOrder: z.enum(['sequence', 'set']).default('sequence'),
  steps: z.array(StepSchema).min(1),
  expect: z.record(z.string(), ExpectSchema),
});

export type Step = z.infer<typeof StepSchema>;
export type ServerStep = z.infer<typeof ServerStepSchema>;
export type ClientStep = z.infer<typeof ClientStepSchema>;
export const isServerStep = (s: Step): s is ServerStep => 'server' in s && !('client' in s);
export const isClientStep = (s: Step): s is ClientStep => 'client' in s;
export type Expectation = z.infer<typeof ExpectSchema>;
export type Scenario = z.infer<typeof ScenarioSchema> & {
  /** Set for course files: adjacency is checked against the launched topology, and notes say what was skipped. */
  source?: 'course-cfg';
  /** Fixed ports requested by the scenario, by server name (course files only). */
  ports?: Record<string, number>;
  notes?: string[];
};

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Validate a parsed scenario document, then check names refer to hosts launched earlier. */
export function parseScenario(doc: unknown, file: string): Scenario {
  const parsed = ScenarioSchema.safeParse(doc);
  if (!parsed.success) throw new ScenarioError(formatIssues(file, fromZod(parsed.error.issues)));
  const sc = parsed.data;
  const issues: Issue[] = [];
  const servers = new Set<string>();
  const clients = new Set<string>();
  sc.steps.forEach((s, i) => {
    const at = (field: string, message: string) => issues.push({ path: ['steps', i, field], message });
    if (isServerStep(s)) {
      if (servers.has(s.server) || clients.has(s.server)) at('server', `host name '${s.server}' is used twice`);
      if (s.join !== undefined && !servers.has(s.join)) at('join', `no server named '${s.join}' was launched before this step`);
      servers.add(s.server);
    } else if (isClientStep(s)) {
      if (servers.has(s.client) || clients.has(s.client)) at('client', `host name '${s.client}' is used twice`);
      if (!servers.has(s.server)) at('server', `no server named '${s.server}' was launched before this step`);
      clients.add(s.client);
    } else if ('msg' in s) {
      if (!clients.has(s.msg)) at('msg', `no client named '${s.msg}' was launched before this step`);
    } else if ('quit' in s) {
      if (!clients.has(s.quit)) at('quit', `no client named '${s.quit}' was launched before this step`);
    }
  });
  for (const [host, e] of Object.entries(sc.expect)) {
    const isServer = servers.has(host);
    if (!isServer && !clients.has(host)) {
      issues.push({ path: ['expect', host], message: 'no host of that name is launched' });
      continue;
    }
    const wrong = isServer
      ? (['users', 'chatLog'] as const).filter((k) => e[k] !== undefined)
      : (['hosts', 'adjacentServers', 'adjacentUsers', 'joinFrames'] as const).filter((k) => e[k] !== undefined);
    for (const k of wrong) issues.push({ path: ['expect', host, k], message: `not a field of a ${isServer ? 'server' : 'client'}` });
  }
  if (issues.length) throw new ScenarioError(formatIssues(file, issues));
  return sc;
}
