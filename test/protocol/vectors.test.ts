// Byte-exact test vectors from ../shared/crc/vectors.json, both directions and under every split.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, MessageType, encode } from '../../src/protocol/index.ts';
import {
  VECTORS_PATH, VECTORS_PRESENT, type Vector, bytewise, feedAll, loadVectors, stripRaw, vectorToMessage,
} from './helpers.ts';

if (!VECTORS_PRESENT) {
  console.warn(`[protocol vectors] skipping: ${VECTORS_PATH} not found (the shared CRC vectors are not checked out here)`);
}

const vectors: Vector[] = loadVectors();

describe.skipIf(!VECTORS_PRESENT)('vectors.json', () => {
  it('is non-empty and covers all six message types', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(6);
    const types = new Set(vectors.map((v) => v.type));
    for (const t of Object.values(MessageType)) expect(types, `type 0x${t.toString(16)}`).toContain(t);
  });

  describe.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const bytes = Buffer.from(v.hex, 'hex');
    const expected = vectorToMessage(v);

    it('hex is well-formed and starts with the type byte', () => {
      expect(bytes.toString('hex')).toBe(v.hex.toLowerCase());
      expect(bytes[0]).toBe(v.type);
    });

    it('encode(fields) reproduces the hex byte for byte', () => {
      expect(encode(expected).toString('hex')).toBe(v.hex.toLowerCase());
    });

    it('decoding the hex yields exactly those fields, with raw === the bytes', () => {
      const dec = new FrameDecoder();
      const r = dec.feed(bytes);
      expect(r.error).toBeUndefined();
      expect(r.messages).toHaveLength(1);
      const m = r.messages[0]!;
      expect(stripRaw(m)).toStrictEqual(expected);
      expect(Buffer.isBuffer(m.raw)).toBe(true);
      expect(m.raw.equals(bytes)).toBe(true);
      expect(dec.buffered).toBe(0);
    });

    it('decodes identically when split into two chunks at every byte boundary', () => {
      for (let cut = 1; cut < bytes.length; cut++) {
        const dec = new FrameDecoder();
        const first = dec.feed(bytes.subarray(0, cut));
        expect(first.error, `cut ${cut}`).toBeUndefined();
        expect(first.messages, `cut ${cut}`).toHaveLength(0);
        expect(dec.buffered, `cut ${cut}`).toBe(cut);
        const second = dec.feed(bytes.subarray(cut));
        expect(second.error, `cut ${cut}`).toBeUndefined();
        expect(second.messages, `cut ${cut}`).toHaveLength(1);
        expect(stripRaw(second.messages[0]!), `cut ${cut}`).toStrictEqual(expected);
        expect(second.messages[0]!.raw.equals(bytes), `cut ${cut}`).toBe(true);
        expect(dec.buffered).toBe(0);
      }
    });

    it('decodes identically when fed one byte at a time', () => {
      const dec = new FrameDecoder();
      for (let i = 0; i < bytes.length; i++) {
        const r = dec.feed(bytes.subarray(i, i + 1));
        expect(r.error).toBeUndefined();
        if (i < bytes.length - 1) {
          expect(r.messages, `after byte ${i}`).toHaveLength(0);
        } else {
          expect(r.messages).toHaveLength(1);
          expect(stripRaw(r.messages[0]!)).toStrictEqual(expected);
          expect(r.messages[0]!.raw.equals(bytes)).toBe(true);
        }
      }
    });
  });

  it('all vectors back to back decode in order under every two-way split of the stream', () => {
    const stream = Buffer.concat(vectors.map((v) => Buffer.from(v.hex, 'hex')));
    const expected = vectors.map(vectorToMessage);
    for (let cut = 0; cut <= stream.length; cut++) {
      const { messages, error } = feedAll([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(error, `cut ${cut}`).toBeUndefined();
      expect(messages.map(stripRaw), `cut ${cut}`).toStrictEqual(expected);
    }
    const { messages, error } = feedAll(bytewise(stream));
    expect(error).toBeUndefined();
    expect(messages.map(stripRaw)).toStrictEqual(expected);
    messages.forEach((m, i) => expect(m.raw.toString('hex')).toBe(vectors[i]!.hex.toLowerCase()));
  });

  it('server_quit uses type byte 0x02 (not the reference encoder\'s 0x81)', () => {
    const v = vectors.find((x) => x.type === MessageType.ServerQuit);
    expect(v).toBeDefined();
    const bytes = encode(vectorToMessage(v!));
    expect(bytes[0]).toBe(0x02);
    const r = new FrameDecoder().feed(bytes);
    expect(r.messages[0]!.type).toBe(MessageType.ServerQuit);
  });
});
