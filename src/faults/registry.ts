// The one map from toxic type to its definition. Add a toxic: write toxics/<type>.ts with
// defineToxic() and list it here.
import { z } from 'zod';
import { bandwidth } from './toxics/bandwidth.ts';
import { latency } from './toxics/latency.ts';
import { limitData } from './toxics/limit_data.ts';
import { resetPeer } from './toxics/reset_peer.ts';
import { slicer } from './toxics/slicer.ts';
import { slowClose } from './toxics/slow_close.ts';
import { timeout } from './toxics/timeout.ts';
import { type DirectionSpec, type ToxicDefinition, type ToxicInfo, ToxicSpecError, commonSpecSchema } from './toxic.ts';

export const registry: ReadonlyMap<string, ToxicDefinition> = new Map<string, ToxicDefinition>(
  [latency, bandwidth, slicer, timeout, resetPeer, slowClose, limitData].map((d) => [d.type, d as ToxicDefinition]),
);

export interface ToxicTypeInfo {
  type: string;
  description: string;
  /** JSON Schema of the attributes (from the zod schema). */
  attributes: unknown;
}

export function listToxics(): ToxicTypeInfo[] {
  return [...registry.values()].map((d) => ({
    type: d.type,
    description: d.description,
    attributes: z.toJSONSchema(d.schema, { unrepresentable: 'any', io: 'input' }),
  }));
}

const COMMON_KEYS = new Set(['type', 'name', 'direction', 'toxicity']);

function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code?: string; keys?: string[] }>): string {
  return issues
    .map((i) => {
      if (i.code === 'unrecognized_keys' && i.keys) return `unknown attribute${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return i.path.length ? `attribute "${i.path.map(String).join('.')}": ${i.message}` : i.message;
    })
    .join('; ');
}

/** Validate a spec: the common fields, then the toxic's own attributes. Throws ToxicSpecError. */
export function parseToxicSpec(spec: unknown): ToxicInfo {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ToxicSpecError(`a toxic spec must be an object like { type: 'latency', ms: 50 }, got ${JSON.stringify(spec)}`);
  }
  const raw = spec as Record<string, unknown>;
  const common = commonSpecSchema.safeParse({ type: raw.type, name: raw.name, direction: raw.direction, toxicity: raw.toxicity });
  if (!common.success) {
    const what = typeof raw.type === 'string' ? `${raw.type} toxic` : 'toxic';
    throw new ToxicSpecError(`invalid ${what}: ${describeIssues(common.error.issues)}`, common.error.issues, common.error);
  }
  const def = registry.get(common.data.type);
  if (!def) {
    throw new ToxicSpecError(`unknown toxic type "${common.data.type}" (known: ${[...registry.keys()].join(', ')})`, [
      { path: ['type'], message: 'unknown toxic type' },
    ]);
  }
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!COMMON_KEYS.has(k)) attrs[k] = v;
  const parsed = def.schema.safeParse(attrs);
  if (!parsed.success) {
    throw new ToxicSpecError(`invalid ${def.type} toxic: ${describeIssues(parsed.error.issues as never)}`, parsed.error.issues, parsed.error);
  }
  const direction: DirectionSpec = common.data.direction;
  return {
    name: common.data.name ?? `${def.type}_${direction}`,
    type: def.type,
    direction,
    toxicity: common.data.toxicity,
    attributes: parsed.data as Record<string, unknown>,
  };
}
