// Which servers' clients talk to which: the flows of a load run, by --pattern. A flow is a
// direction between two servers with a weight (its share of the total rate).
import { z } from 'zod';
import { diameter } from '../topology/generate.ts';
import type { Topology } from '../topology/schema.ts';
import { readJsonFile } from '../util/json-file.ts';
import { fromZod, valueOrThrow } from '../util/zod-issues.ts';

export interface FlowSpec {
  from: number;
  to: number;
  weight: number;
}

export const PATTERNS = 'all-pairs | ring | hotspot:ID | longest-path | path/to/flows.json';

export class LoadSpecError extends Error {
  override readonly name = 'LoadSpecError';
}

const id = z.number().int().min(1).max(0xffff_ffff);
const FlowsFile = z.array(z.strictObject({ from: id, to: id, weight: z.number().positive().default(1) })).min(1, 'at least one flow');

/** The flows of `pattern` over the topology's servers; errors name the pattern or the file. */
export function resolvePattern(pattern: string, t: Topology): FlowSpec[] {
  const ids = t.servers.map((s) => s.id);
  const pair = (from: number, to: number): FlowSpec => ({ from, to, weight: 1 });
  if (ids.length < 2) throw new LoadSpecError(`--pattern ${pattern}: the topology ${t.name} has ${ids.length} server; a flow needs two`);
  if (pattern === 'all-pairs') return ids.flatMap((a) => ids.filter((b) => b !== a).map((b) => pair(a, b)));
  if (pattern === 'ring') return ids.map((a, i) => pair(a, ids[(i + 1) % ids.length]!));
  if (pattern === 'longest-path') {
    const d = diameter(t);
    return [pair(d.from, d.to), pair(d.to, d.from)];
  }
  const hot = /^hotspot:(\d+)$/.exec(pattern);
  if (hot) {
    const target = Number(hot[1]);
    if (!ids.includes(target)) throw new LoadSpecError(`--pattern ${pattern}: no server ${target} in ${t.name} (servers: ${ids.join(', ')})`);
    return ids.filter((a) => a !== target).map((a) => pair(a, target));
  }
  if (pattern.endsWith('.json')) {
    const r = FlowsFile.safeParse(readJsonFile(pattern, (m) => new LoadSpecError(`--pattern ${m}`)));
    const flows: FlowSpec[] = valueOrThrow(r.success ? { value: r.data } : { issues: fromZod(r.error.issues) }, pattern, (m) => new LoadSpecError(m));
    const bad = flows.flatMap((f, i) => [f.from, f.to].filter((x) => !ids.includes(x)).map((x) => `${pattern}: ${i}: no server ${x} in ${t.name}`));
    const self = flows.flatMap((f, i) => (f.from === f.to ? [`${pattern}: ${i}: from and to are the same server ${f.from}`] : []));
    if (bad.length || self.length) throw new LoadSpecError([...bad, ...self].join('\n'));
    return flows;
  }
  throw new LoadSpecError(`--pattern must be one of ${PATTERNS}, got '${pattern}'`);
}
