// The one map from toxic type to its definition, and the one validator. Add a toxic: write
// toxics/<type>.ts with defineToxic() and list it here. A flat ToxicSpec is parsed here once, at
// an edge (a file, crc-proxy's HTTP API, the dashboard); inside the program a toxic is a
// ToxicInfo, which the proxy only asserts (toxicDefinition) and never validates again.
import { z } from 'zod';
import { bandwidth } from './toxics/bandwidth.ts';
import { latency } from './toxics/latency.ts';
import { limitData } from './toxics/limit_data.ts';
import { resetPeer } from './toxics/reset_peer.ts';
import { slicer } from './toxics/slicer.ts';
import { slowClose } from './toxics/slow_close.ts';
import { timeout } from './toxics/timeout.ts';
import { type Issue, fromZod, inlineIssues } from '../util/zod-issues.ts';
import { type DirectionSpec, type ToxicDefinition, type ToxicInfo, type ToxicSpec, ToxicSpecError, commonSpecSchema } from './toxic.ts';

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

/** Validate a flat spec at an edge: the ToxicInfo the rest of the program takes. Throws ToxicSpecError. */
export function parseToxicSpec(spec: unknown): ToxicInfo {
  const r = checkToxicSpec(spec);
  if ('issues' in r) throw new ToxicSpecError(r.message, r.issues, r.cause);
  return r.value;
}

/** Fields of a toxic that name or place it rather than configure it: fixed for its life. */
const FIXED_FIELDS = ['type', 'name', 'direction', 'toxicity'] as const;

/**
 * `old` with some of its own attributes changed, validated (the rest kept). `where` starts the
 * messages (e.g. "proxy a-b"). Name, type, direction and toxicity stay: remove and add to change those.
 */
export function updatedToxic(old: ToxicInfo, attributes: unknown, where: string): ToxicInfo {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new ToxicSpecError(`${where}, toxic "${old.name}": attributes must be an object like { ms: 50 }, got ${JSON.stringify(attributes)}`);
  }
  const fixed = FIXED_FIELDS.filter((k) => k in attributes);
  if (fixed.length > 0) {
    throw new ToxicSpecError(
      `${where}, toxic "${old.name}": ${fixed.join(', ')} cannot be updated (remove the toxic and add it again)`,
      fixed.map((k) => ({ path: [k], message: 'cannot be updated' })),
    );
  }
  const r = checkToxicSpec({ ...flatToxic(old), ...attributes });
  if ('issues' in r) throw new ToxicSpecError(`${where}, toxic "${old.name}": ${r.message}`, r.issues, r.cause);
  return r.value;
}

/** A ToxicInfo as the flat spec, for writing out (crc-proxy's /crc/toxics request body). */
export function flatToxic(t: ToxicInfo): ToxicSpec {
  return { ...t.attributes, type: t.type, name: t.name, direction: t.direction, toxicity: t.toxicity };
}

/**
 * The definition of a toxic that was validated at an edge. A cheap assertion, not a second
 * validation: it catches a flat spec or a misspelt type passed where a ToxicInfo belongs.
 */
export function toxicDefinition(t: ToxicInfo): ToxicDefinition {
  const o = t as Partial<ToxicInfo> | null;
  const def = typeof o?.type === 'string' ? registry.get(o.type) : undefined;
  const attrs = o?.attributes;
  if (!def || typeof o!.name !== 'string' || typeof o!.toxicity !== 'number' || typeof o!.direction !== 'string'
    || typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
    throw new ToxicSpecError(`not a validated toxic (parse a flat spec with parseToxicSpec where it enters the program): ${JSON.stringify(t)}`);
  }
  return def;
}
