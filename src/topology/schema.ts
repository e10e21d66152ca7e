// Topologies as data: servers (each but the first joins an earlier one, so they form a tree),
// clients attached to servers, and optionally the servers' liveness. Validated with errors
// naming the file and the field.
import { z } from 'zod';
import { commandProblem, courseDirProblem } from './impl-spec.ts';
import { readJsonFile } from '../util/json-file.ts';
import { type Checked, type Issue, fromZod, valueOrThrow } from '../util/zod-issues.ts';

const id = z.number().int().min(1).max(0xffff_ffff);

/** "2s", "500ms", "1.5s", "1m", or a number of ms. */
export const Duration = z.union([
  z.number().min(0),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, 'a duration like "500ms", "2s" or "1m"'),
], { error: (issue) => (issue.input === undefined ? 'required: a duration like "500ms", "2s" or a number of ms' : 'a duration like "500ms", "2s", "1m" or a number of ms') }).transform((v) => {
  if (typeof v === 'number') return v;
  const n = Number.parseFloat(v);
  return v.endsWith('ms') ? n : v.endsWith('m') ? n * 60_000 : n * 1000;
});

/**
 * The servers' liveness: ping a server link idle for `interval`, declare it dead after
 * `timeout` of silence (at least two intervals); `false`: none, as the course's servers.
 */
export const LivenessSchema = z.union([
  z.literal(false),
  z.strictObject({ interval: Duration, timeout: Duration }),
], { error: 'false, or {"interval": <duration>, "timeout": <duration>}' }).superRefine((v, ctx) => {
  if (v === false) return;
  if (!(v.interval > 0)) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'more than 0 (use "liveness": false for none)' });
  else if (v.timeout < 2 * v.interval) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `at least twice the interval (${v.interval} ms): a ping goes out after one interval of silence and needs time to be answered` });
});

/**
 * A foreign server: {"course": DIR} (a folder in the course's layout, run by tools/course_host.py)
 * or {"command": ["prog", "{id}", "{port}", ...]} (any program; placeholders in impl-spec.ts).
 */
export const ImplSchema = z.union([
  z.strictObject({ course: z.string().min(1) }),
  z.strictObject({ command: z.array(z.string()).min(1, 'a program and its arguments, e.g. ["prog", "{id}", "{port}"]') }),
], { error: '{"course": "DIR"} or {"command": ["prog", "{id}", "{port}", ...]}' });

export const TopologySchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  servers: z.array(z.strictObject({
    id,
    name: z.string().min(1).max(255),
    info: z.string(),
    /** id of the server this one joins (its bootstrap); absent for the root */
    join: id.optional(),
    /** a foreign server (not ours); absent: our crc-server */
    impl: ImplSchema.optional(),
  })).min(1),
  clients: z.array(z.strictObject({
    id,
    name: z.string().min(1).max(255),
    info: z.string(),
    /** id of the server it attaches to */
    server: id,
  })).default([]),
  liveness: LivenessSchema.optional(),
  /** Where the servers run: "workers" (threads, the default), "processes" (a crc-server each) or "external". */
  placement: z.enum(['workers', 'processes', 'external', 'sim']).optional(),
});

export type Topology = z.infer<typeof TopologySchema>;
export type ServerSpec = Topology['servers'][number];
export type ClientSpec = Topology['clients'][number];

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

/** Check a topology document, finding every issue (paths into the document); throws nothing. */
export function checkTopology(doc: unknown): Checked<Topology> {
  const r = TopologySchema.safeParse(doc);
  if (!r.success) return { issues: fromZod(r.error.issues) };
  const t = r.data;
  const issues: Issue[] = [];
  const seen = new Map<number, string>();
  const servers = new Set<number>();
  t.servers.forEach((s, i) => {
    const at = (field: string, message: string) => issues.push({ path: ['servers', i, field], message });
    if (seen.has(s.id)) at('id', `id ${s.id} is already used by ${seen.get(s.id)}`);
    if (i === 0 && s.join !== undefined) at('join', 'the first server is the root and joins nobody');
    if (i > 0 && s.join === undefined) at('join', 'every server after the first must join an earlier one (the servers form one tree)');
    if (i > 0 && s.join !== undefined && !servers.has(s.join)) at('join', `no server with id ${s.join} is listed before this one`);
    if (s.impl && 'course' in s.impl) {
      const problem = courseDirProblem(s.impl.course);
      if (problem) issues.push({ path: ['servers', i, 'impl', 'course'], message: problem });
    }
    if (s.impl && 'command' in s.impl) {
      const problem = commandProblem(s.impl.command);
      if (problem) issues.push({ path: ['servers', i, 'impl', 'command'], message: problem });
    }
    if (!seen.has(s.id)) seen.set(s.id, `server ${s.name}`);
    servers.add(s.id);
  });
  t.clients.forEach((c, i) => {
    const at = (field: string, message: string) => issues.push({ path: ['clients', i, field], message });
    if (seen.has(c.id)) at('id', `id ${c.id} is already used by ${seen.get(c.id)}`);
    if (!servers.has(c.server)) at('server', `no server with id ${c.server}`);
    if (!seen.has(c.id)) seen.set(c.id, `client ${c.name}`);
  });
  return issues.length ? { issues } : { value: t };
}

/** Validate a topology document; `source` names it in errors (a file path or a generator spec). */
export function parseTopology(doc: unknown, source: string): Topology {
  return valueOrThrow(checkTopology(doc), source, (m) => new TopologyError(m));
}

export function loadTopologyFile(path: string): Topology {
  return parseTopology(readJsonFile(path, (m) => new TopologyError(m)), path);
}
