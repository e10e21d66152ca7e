// Shared helpers for the protocol tests (not a test file itself).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type DecodeError,
  type DecodedMessage,
  FrameDecoder,
  type Message,
  MessageType,
} from '../../src/protocol/index.ts';

/** The project's seeded PRNG, re-exported for the tests. */
export { mulberry32 } from '../../src/util/random.ts';


export type Rng = () => number;

/** Integer in [lo, hi], inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

// ---------------------------------------------------------------- vectors.json

export interface VectorFields {
  source_id?: number;
  last_hop_id?: number;
  name?: string;
  info?: string;
  destination_id?: number;
  status_code?: number;
  content?: string;
  replacement_id?: number;
}

export interface Vector {
  name: string;
  type: number;
  fields: VectorFields;
  hex: string;
}

export const VECTORS_URL = new URL('../../../shared/crc/vectors.json', import.meta.url);
export const VECTORS_PATH = fileURLToPath(VECTORS_URL);
export const VECTORS_PRESENT = existsSync(VECTORS_URL);

export function loadVectors(): Vector[] {
  if (!VECTORS_PRESENT) return [];
  const doc = JSON.parse(readFileSync(VECTORS_URL, 'utf8')) as { vectors: Vector[] };
  return doc.vectors;
}

/** A vector's snake_case fields as the codec's camelCase Message (exactly the fields of that type). */
export function vectorToMessage(v: Vector): Message {
  const f = v.fields;
  const req = <K extends keyof VectorFields>(k: K): NonNullable<VectorFields[K]> => {
    const x = f[k];
    if (x === undefined || x === null) throw new Error(`vector ${v.name} lacks field ${k}`);
    return x as NonNullable<VectorFields[K]>;
  };
  switch (v.type) {
    case MessageType.ServerRegistration:
    case MessageType.ClientRegistration:
      return { type: v.type, sourceId: req('source_id'), lastHopId: req('last_hop_id'), name: req('name'), info: req('info') };
    case MessageType.Status:
      return { type: v.type, sourceId: req('source_id'), destinationId: req('destination_id'), statusCode: req('status_code'), content: req('content') };
    case MessageType.ServerQuit:
      return { type: v.type, sourceId: req('source_id'), replacementId: req('replacement_id'), content: req('content') };
    case MessageType.ClientChat:
      return { type: v.type, sourceId: req('source_id'), destinationId: req('destination_id'), content: req('content') };
    case MessageType.ClientQuit:
      return { type: v.type, sourceId: req('source_id'), content: req('content') };
    default:
      throw new Error(`vector ${v.name} has unknown type ${v.type}`);
  }
}

// ---------------------------------------------------------------- decoding

export interface FeedOutcome {
  messages: DecodedMessage[];
  error: DecodeError | undefined;
}

/** Feed chunks to one decoder (fresh unless given), collecting every message and the first error. */
export function feedAll(chunks: Iterable<Uint8Array>, dec: FrameDecoder = new FrameDecoder()): FeedOutcome {
  const messages: DecodedMessage[] = [];
  let error: DecodeError | undefined;
  for (const c of chunks) {
    const r = dec.feed(c);
    messages.push(...r.messages);
    if (r.error && !error) error = r.error;
  }
  return { messages, error };
}

/** A message without its `raw`, for deep comparison with what was encoded. */
export function stripRaw(m: DecodedMessage | Message): Message {
  const { raw: _raw, ...rest } = m as Message & { raw?: Buffer };
  return rest as Message;
}

/** Cut `buf` into consecutive chunks of random size in [1, maxChunk]. */
export function randomChunks(buf: Buffer, rng: Rng, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const n = randInt(rng, 1, maxChunk);
    out.push(buf.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

export function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

// ---------------------------------------------------------------- random messages

const ALPHABETS: readonly string[] = [
  'abcdefghijklmnopqrstuvwxyz0123456789 -_.',
  'héllo ✓ 𝄞',
  'éàüßñ中文日本語한국어',
  '🙂🚀𝄞👍🏽',
  '"\'\\\n\t\0',
];

export function randomString(rng: Rng, maxChars: number): string {
  const alphabet = [...pick(rng, ALPHABETS)];
  const n = randInt(rng, 0, maxChars);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rng, alphabet);
  return s;
}

/** A random UTF-8 string of at most `maxBytes` bytes. */
export function randomStringBytes(rng: Rng, maxChars: number, maxBytes: number): string {
  let s = randomString(rng, maxChars);
  while (Buffer.byteLength(s, 'utf8') > maxBytes) s = [...s].slice(0, -1).join('');
  return s;
}

export function randomId(rng: Rng): number {
  const r = rng();
  if (r < 0.1) return 0;
  if (r < 0.2) return 0xffff_ffff;
  if (r < 0.6) return randInt(rng, 1, 1000);
  return Math.floor(rng() * 0x1_0000_0000);
}

const TYPES: readonly MessageType[] = [
  MessageType.ServerRegistration, MessageType.Status, MessageType.ServerQuit,
  MessageType.ClientRegistration, MessageType.ClientChat, MessageType.ClientQuit,
];

export function randomMessage(rng: Rng, maxChars = 40): Message {
  const type = pick(rng, TYPES);
  const sourceId = randomId(rng);
  switch (type) {
    case MessageType.ServerRegistration:
    case MessageType.ClientRegistration:
      return {
        type, sourceId, lastHopId: randomId(rng),
        name: randomStringBytes(rng, maxChars, 255), info: randomString(rng, maxChars),
      };
    case MessageType.Status:
      return { type, sourceId, destinationId: randomId(rng), statusCode: randInt(rng, 0, 2) === 2 && rng() < 0.3 ? 0xffff : randInt(rng, 0, 2), content: randomString(rng, maxChars) };
    case MessageType.ServerQuit:
      return { type, sourceId, replacementId: randomId(rng), content: randomString(rng, maxChars) };
    case MessageType.ClientChat:
      return { type, sourceId, destinationId: randomId(rng), content: randomString(rng, maxChars) };
    case MessageType.ClientQuit:
      return { type, sourceId, content: randomString(rng, maxChars) };
  }
}
