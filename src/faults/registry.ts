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
import { type Issue, fromZod, inlineIssues } from '../util/zod-issues.ts';
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

/** A checked spec: its info, or its issues and the one-line message the proxy throws. */
export type ToxicCheck = { value: ToxicInfo } | { issues: Issue[]; message: string; cause?: z.ZodError };

/**
 * Check a spec without throwing: the common fields, then the toxic's own attributes. Issues
 * have paths into the spec, so a document holding it (an experiment) can name the field.
 */
export function checkToxicSpec(spec: unknown): ToxicCheck {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    const message = `a toxic spec must be an object like { type: 'latency', ms: 50 }, got ${JSON.stringify(spec)}`;
    return { issues: [{ path: [], message }], message };
  }
  const raw = spec as Record<string, unknown>;
  const common = commonSpecSchema.safeParse({ type: raw.type, name: raw.name, direction: raw.direction, toxicity: raw.toxicity });
  if (!common.success) {
    const issues = fromZod(common.error.issues, 'attribute');
    const what = typeof raw.type === 'string' ? `${raw.type} toxic` : 'toxic';
    return { issues, message: `invalid ${what}: ${inlineIssues(issues, 'attribute')}`, cause: common.error };
  }
  const def = registry.get(common.data.type);
  if (!def) {
    const message = `unknown toxic type "${common.data.type}" (known: ${[...registry.keys()].join(', ')})`;
    return { issues: [{ path: ['type'], message }], message };
  }
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!COMMON_KEYS.has(k)) attrs[k] = v;
  const parsed = def.schema.safeParse(attrs);
  if (!parsed.success) {
    const issues = fromZod(parsed.error.issues, 'attribute');
    return { issues, message: `invalid ${def.type} toxic: ${inlineIssues(issues, 'attribute')}`, cause: parsed.error };
  }
  const direction: DirectionSpec = common.data.direction;
  return {
    value: {
      name: common.data.name ?? `${def.type}_${direction}`,
      type: def.type,
      direction,
      toxicity: common.data.toxicity,
      attributes: parsed.data as Record<string, unknown>,
    },
  };
}

/** Validate a spec (as the proxy does when a toxic is added). Throws ToxicSpecError. */
export function parseToxicSpec(spec: unknown): ToxicInfo {
  const r = checkToxicSpec(spec);
  if ('issues' in r) throw new ToxicSpecError(r.message, r.issues, r.cause);
  return r.value;
}
