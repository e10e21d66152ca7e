// Topologies as data: servers (each but the first joins an earlier one, so they form a tree)
// and clients attached to servers. Validated with errors naming the file and the field.
import { z } from 'zod';
import { readJsonFile } from '../util/json-file.ts';
import { type Checked, type Issue, fromZod, valueOrThrow } from '../util/zod-issues.ts';

const id = z.number().int().min(1).max(0xffff_ffff);

export const TopologySchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  servers: z.array(z.strictObject({
    id,
    name: z.string().min(1).max(255),
    info: z.string(),
    /** id of the server this one joins (its bootstrap); absent for the root */
    join: id.optional(),
  })).min(1),
  clients: z.array(z.strictObject({
    id,
    name: z.string().min(1).max(255),
    info: z.string(),
    /** id of the server it attaches to */
    server: id,
  })).default([]),
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
