// Toxiproxy's toxic JSON <-> our ToxicSpec / ToxicInfo, at the edge: the toxics themselves
// (src/faults/toxics/) keep their own attribute names, and the one validator (checkToxicSpec)
// checks what arrives here; its issues are named back in toxiproxy's terms ("attributes.latency",
// "stream"), so a 400 names the field the client sent.
import { checkToxicSpec } from '../faults/registry.ts';
import type { Direction, DirectionSpec, ToxicInfo, ToxicSpec } from '../faults/toxic.ts';
import { ApiError, badBody, invalidStream } from './api-error.ts';

/** Toxiproxy's toxic JSON (its key order: attributes first, as toxiproxy marshals it). */
export interface ToxiproxyToxic {
  attributes: Record<string, unknown>;
  name: string;
  type: string;
  /** 'both' only for a toxic added through our /crc/toxics path (one toxic on both streams) */
  stream: DirectionSpec;
  toxicity: number;
}

interface Translation {
  /** toxiproxy attribute name -> ours */
  rename: Record<string, string>;
  /** toxiproxy's zero value for an attribute the client left out, where our toxic accepts it */
  zero: Record<string, number>;
  /** our own attributes (no toxiproxy name): reported only when not at this default, so a
   *  toxiproxy client sees toxiproxy's published shape */
  ours: Record<string, unknown>;
}

/** Where toxiproxy's names or defaults differ from ours. A type not listed maps 1:1. */
const TRANSLATIONS: Record<string, Translation> = {
  latency: { rename: { latency: 'ms' }, zero: { latency: 0, jitter: 0 }, ours: { distribution: 'uniform' } },
  slow_close: { rename: {}, zero: { delay: 0 }, ours: {} },
  timeout: { rename: {}, zero: { timeout: 0 }, ours: {} },
  reset_peer: { rename: {}, zero: { timeout: 0 }, ours: {} },
  limit_data: { rename: {}, zero: { bytes: 0 }, ours: {} },
  slicer: { rename: {}, zero: { size_variation: 0, delay: 0 }, ours: {} },
};
const IDENTITY: Translation = { rename: {}, zero: {}, ours: {} };

const translation = (type: string): Translation => TRANSLATIONS[type] ?? IDENTITY;

const TOXIC_KEYS = new Set(['name', 'type', 'stream', 'toxicity', 'attributes']);

/** Keys of our flat ToxicSpec that are not attributes: never taken from `attributes`. */
const SPEC_KEYS = new Set(['type', 'name', 'direction', 'toxicity']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Toxiproxy attribute names -> ours; an attribute sent under our own name of a renamed one is unknown. */
function attributesIn(type: string, attrs: Record<string, unknown>): Record<string, unknown> {
  const t = translation(type);
  const ourRenamed = new Set(Object.values(t.rename));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (ourRenamed.has(k) || SPEC_KEYS.has(k)) throw new ApiError(`invalid ${type} toxic: unknown attribute "attributes.${k}"`, 400);
    out[t.rename[k] ?? k] = v;
  }
  return out;
}

/** Our attribute names -> toxiproxy's; our own extras only when set away from their default. */
function attributesOut(type: string, attrs: Record<string, unknown>): Record<string, unknown> {
  const t = translation(type);
  const back = Object.fromEntries(Object.entries(t.rename).map(([theirs, ours]) => [ours, theirs]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (k in t.ours && t.ours[k] === v) continue;
    out[back[k] ?? k] = v;
  }
  return out;
}

/** An issue path of checkToxicSpec (our names) as the field the client sent. */
function fieldName(type: string, path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  if (head === undefined) return '(body)';
  if (head === 'direction') return 'stream';
  if (head === 'type' || head === 'name' || head === 'toxicity') return head;
  const back = Object.fromEntries(Object.entries(translation(type).rename).map(([theirs, ours]) => [ours, theirs]));
  return ['attributes', back[head] ?? head, ...rest].join('.');
}

/** Validate a spec (our names) with the one validator; a 400 naming toxiproxy's fields if bad. */
export function checkSpec(spec: ToxicSpec): ToxicInfo {
  const r = checkToxicSpec(spec);
  if ('value' in r) return r.value;
  const unknownType = r.issues.some((i) => i.path[0] === 'type') && !r.cause;
  if (unknownType) return throwApi(`invalid toxic type: ${r.message}`);
  const what = r.issues.map((i) => (i.unknownKey ? `unknown attribute "${fieldName(spec.type, i.path)}"` : `${fieldName(spec.type, i.path)}: ${i.message}`));
  return throwApi(`invalid ${spec.type} toxic: ${what.join('; ')}`);
}

function throwApi(message: string): never {
  throw new ApiError(message, 400);
}

/** POST /proxies/{proxy}/toxics: a toxiproxy toxic body as our spec (validated). */
export function toxicFromToxiproxy(body: unknown): ToxicInfo {
  if (!isObject(body)) throw badBody(`a toxic must be a JSON object like {"type": "latency", "attributes": {"latency": 100}}, got ${JSON.stringify(body)}`);
  for (const k of Object.keys(body)) {
    if (!TOXIC_KEYS.has(k)) throw badBody(`unknown field "${k}" (a toxic has ${[...TOXIC_KEYS].join(', ')})`);
  }
  const { name, type, stream, toxicity, attributes } = body;
  if (typeof type !== 'string' || type === '') throw new ApiError('invalid toxic type: "type" must be a toxic type name', 400);
  const direction = parseStream(stream);
  if (name !== undefined && name !== null && typeof name !== 'string') throw badBody('"name" must be a string');
  if (toxicity !== undefined && toxicity !== null && typeof toxicity !== 'number') throw badBody('"toxicity" must be a number from 0 to 1');
  if (attributes !== undefined && attributes !== null && !isObject(attributes)) throw badBody('"attributes" must be an object');
  // What the client left out takes toxiproxy's zero value (in toxiproxy's names), then rename.
  const spec: ToxicSpec = {
    ...attributesIn(type, { ...translation(type).zero, ...(attributes ?? {}) }),
    type,
    name: name ? name : `${type}_${direction}`,
    direction,
    toxicity: toxicity ?? 1,
  };
  return checkSpec(spec);
}

/**
 * POST /proxies/{proxy}/toxics/{toxic}: toxiproxy takes `attributes` (merged into the toxic's)
 * and `toxicity`; `name`, `type` and `stream` may be sent back as they are, not changed.
 */
export function toxicUpdateFromToxiproxy(old: ToxicInfo, body: unknown): ToxicInfo {
  if (!isObject(body)) throw badBody(`a toxic update must be a JSON object like {"attributes": {"latency": 100}}, got ${JSON.stringify(body)}`);
  for (const k of Object.keys(body)) {
    if (!TOXIC_KEYS.has(k)) throw badBody(`unknown field "${k}" (an update has attributes, toxicity)`);
  }
  for (const k of ['name', 'type', 'stream'] as const) {
    const v = body[k];
    const current = k === 'stream' ? old.direction : old[k];
    if (v !== undefined && v !== null && v !== '' && v !== current) {
      throw badBody(`"${k}" cannot be changed (is "${current}", got ${JSON.stringify(v)}): delete the toxic and add it again`);
    }
  }
  const { toxicity, attributes } = body;
  if (toxicity !== undefined && toxicity !== null && typeof toxicity !== 'number') throw badBody('"toxicity" must be a number from 0 to 1');
  if (attributes !== undefined && attributes !== null && !isObject(attributes)) throw badBody('"attributes" must be an object');
  return checkSpec({
    ...old.attributes,
    ...attributesIn(old.type, attributes ?? {}),
    type: old.type,
    name: old.name,
    direction: old.direction,
    toxicity: toxicity ?? old.toxicity,
  });
}

function parseStream(stream: unknown): Direction {
  if (stream === undefined || stream === null || stream === '') return 'downstream';
  const s = typeof stream === 'string' ? stream.toLowerCase() : '';
  if (s === 'upstream' || s === 'downstream') return s;
  throw invalidStream();
}

/** Our toxic as toxiproxy reports it. */
export function toxicToToxiproxy(info: ToxicInfo): ToxiproxyToxic {
  return {
    attributes: attributesOut(info.type, info.attributes),
    name: info.name,
    type: info.type,
    stream: info.direction,
    toxicity: info.toxicity,
  };
}
