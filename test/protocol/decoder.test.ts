// Streaming FrameDecoder: framing across chunks, limits checked at the header, typed errors, sticky failure.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  DecodeError,
  FrameDecoder,
  type Limits,
  type Message,
  MessageType,
  encode,
} from '../../src/protocol/index.ts';
import { bytewise, feedAll, mulberry32, randInt, randomChunks, randomMessage, stripRaw } from './helpers.ts';

const chat = (content: string, sourceId = 1, destinationId = 2): Message =>
  ({ type: MessageType.ClientChat, sourceId, destinationId, content });

// ------------------------------------------------------------------ raw header builders

function regHeader(type: number, nameLen: number, infoLen: number, sourceId = 5, lastHop = 0): Buffer {
  const b = Buffer.alloc(12);
  b[0] = type;
  b.writeUInt32BE(sourceId, 1);
  b.writeUInt32BE(lastHop, 5);
  b[9] = nameLen;
  b.writeUInt16BE(infoLen, 10);
  return b;
}

/** Fixed header of a content-bearing type (0x01, 0x02, 0x81, 0x82) declaring `len` content bytes. */
function contentHeader(type: number, len: number, sourceId = 5): Buffer {
  switch (type) {
    case MessageType.Status: {
      const b = Buffer.alloc(15);
      b[0] = type; b.writeUInt32BE(sourceId, 1); b.writeUInt32BE(0, 5); b.writeUInt16BE(1, 9); b.writeUInt32BE(len, 11);
      return b;
    }
    case MessageType.ServerQuit:
    case MessageType.ClientChat: {
      const b = Buffer.alloc(13);
      b[0] = type; b.writeUInt32BE(sourceId, 1); b.writeUInt32BE(9, 5); b.writeUInt32BE(len, 9);
      return b;
    }
    case MessageType.ClientQuit: {
      const b = Buffer.alloc(9);
      b[0] = type; b.writeUInt32BE(sourceId, 1); b.writeUInt32BE(len, 5);
      return b;
    }
    default:
      throw new Error(`not a content type: ${type}`);
  }
}

const CONTENT_TYPES = [
  ['status', MessageType.Status],
  ['server_quit', MessageType.ServerQuit],
  ['client_chat', MessageType.ClientChat],
  ['client_quit', MessageType.ClientQuit],
] as const;
const REG_TYPES = [
  ['server_registration', MessageType.ServerRegistration],
  ['client_registration', MessageType.ClientRegistration],
] as const;

function expectDecodeError(err: unknown, code: string, value: number | string, streamOffset?: number): void {
  expect(err).toBeInstanceOf(DecodeError);
  const e = err as DecodeError;
  expect(e.code).toBe(code);
  expect(e.value).toBe(value);
  expect(e.message.length).toBeGreaterThan(0);
  if (streamOffset !== undefined) expect(e.streamOffset).toBe(streamOffset);
}

// ------------------------------------------------------------------ framing

describe('FrameDecoder framing', () => {
  it('returns nothing for an empty chunk and buffers partial frames', () => {
    const dec = new FrameDecoder();
    expect(dec.feed(Buffer.alloc(0))).toEqual({ messages: [] });
    const bytes = encode(chat('hello'));
    const r = dec.feed(bytes.subarray(0, 10));
    expect(r.messages).toHaveLength(0);
    expect(r.error).toBeUndefined();
    expect(dec.buffered).toBe(10);
    expect(dec.feed(Buffer.alloc(0)).messages).toHaveLength(0);
    const r2 = dec.feed(bytes.subarray(10));
    expect(r2.messages.map(stripRaw)).toStrictEqual([chat('hello')]);
    expect(dec.buffered).toBe(0);
    expect(dec.failed).toBeUndefined();
  });

  it('keeps the unfinished tail of a chunk holding whole frames plus a partial one', () => {
    const a = encode(chat('one'));
    const b = encode(chat('two'));
    const c = encode(chat('three'));
    const dec = new FrameDecoder();
    const r1 = dec.feed(Buffer.concat([a, b, c.subarray(0, 4)]));
    expect(r1.messages.map((m) => (m as { content: string }).content)).toEqual(['one', 'two']);
    expect(dec.buffered).toBe(4);
    const r2 = dec.feed(c.subarray(4));
    expect(r2.messages.map((m) => (m as { content: string }).content)).toEqual(['three']);
    expect(r2.messages[0]!.raw.equals(c)).toBe(true);
  });

  it('accepts plain Uint8Array chunks, including views with a byteOffset', () => {
    const bytes = encode(chat('héllo ✓ 𝄞'));
    const backing = new Uint8Array(bytes.length + 20);
    backing.set(bytes, 7);
    const view = new Uint8Array(backing.buffer, 7, bytes.length);
    const { messages, error } = feedAll([view.subarray(0, 5), view.subarray(5)]);
    expect(error).toBeUndefined();
    expect(messages.map(stripRaw)).toStrictEqual([chat('héllo ✓ 𝄞')]);
    expect(messages[0]!.raw.equals(bytes)).toBe(true);
    const whole = feedAll([view]);
    expect(whole.messages[0]!.raw.equals(bytes)).toBe(true);
  });

  it('does not let a later feed corrupt the raw bytes of an earlier message', () => {
    const bytes = encode(chat('stable'));
    const copy = Buffer.from(bytes);
    const dec = new FrameDecoder();
    const half = Math.floor(bytes.length / 2);
    dec.feed(bytes.subarray(0, half));
    const [m] = dec.feed(bytes.subarray(half)).messages;
    dec.feed(encode(chat('something else entirely')));
    expect(m!.raw.equals(copy)).toBe(true);
  });

  it('a buffered tail is not aliased to a caller chunk that is later overwritten (small tail)', () => {
    // Simulates a reused read buffer: the decoder must have copied the short tail it keeps.
    const bytes = encode(chat('tail'));
    const readBuf = Buffer.alloc(64);
    bytes.copy(readBuf, 0, 0, 6);
    const dec = new FrameDecoder();
    expect(dec.feed(readBuf.subarray(0, 6)).messages).toHaveLength(0);
    readBuf.fill(0xee);
    bytes.copy(readBuf, 0, 6);
    const r = dec.feed(readBuf.subarray(0, bytes.length - 6));
    expect(r.error).toBeUndefined();
    expect(r.messages.map(stripRaw)).toStrictEqual([chat('tail')]);
  });

  describe('10,000 mixed messages (with non-ASCII UTF-8)', () => {
    const rng = mulberry32(0xc0ffee);
    const msgs: Message[] = [];
    for (let i = 0; i < 10_000; i++) {
      // Every 7th message is a fixed non-ASCII chat, so non-ASCII content is guaranteed.
      msgs.push(i % 7 === 0 ? chat(`héllo ✓ 𝄞 #${i}`, i, i + 1) : randomMessage(rng));
    }
    msgs.push({ type: MessageType.ClientRegistration, sourceId: 42, lastHopId: 0, name: 'héllo ✓ 𝄞', info: 'ünïcödé 🙂' });
    const frames = msgs.map((m) => encode(m));
    const stream = Buffer.concat(frames);

    const check = (messages: ReturnType<typeof feedAll>['messages']) => {
      expect(messages).toHaveLength(msgs.length);
      for (let i = 0; i < msgs.length; i++) {
        // Cheap checks for all, deep equality too (10k is fine).
        expect(messages[i]!.raw.equals(frames[i]!), `message ${i} raw`).toBe(true);
      }
      expect(messages.map(stripRaw)).toStrictEqual(msgs);
    };

    it('decode in order and intact from one chunk', () => {
      expect(stream.length).toBeGreaterThan(100_000);
      const dec = new FrameDecoder();
      const r = dec.feed(stream);
      expect(r.error).toBeUndefined();
      check(r.messages);
      expect(dec.buffered).toBe(0);
    });

    it('decode identically from random-size chunks (seeded)', () => {
      for (const [seed, maxChunk] of [[1, 3], [2, 17], [3, 300], [4, 5000], [5, 70_000]] as const) {
        const chunks = randomChunks(stream, mulberry32(seed), maxChunk);
        const { messages, error } = feedAll(chunks);
        expect(error, `seed ${seed}`).toBeUndefined();
        check(messages);
      }
    });
  });

  it('a 64 KiB-content chat fed one byte at a time decodes correctly (pieces joined, not re-copied)', () => {
    const content = 'x'.repeat(DEFAULT_LIMITS.maxContent - 4) + '✓'; // 3-byte char: 64 KiB - 1 bytes total
    const content2 = 'é'.repeat(DEFAULT_LIMITS.maxContent / 2); // exactly 64 KiB
    const a = encode(chat(content));
    const b = encode(chat(content2, 3, 4));
    const stream = Buffer.concat([a, b]);
    const dec = new FrameDecoder();
    const messages = [];
    for (let i = 0; i < stream.length; i++) {
      const r = dec.feed(stream.subarray(i, i + 1));
      expect(r.error).toBeUndefined();
      messages.push(...r.messages);
      if (i === a.length - 1) expect(messages).toHaveLength(1);
    }
    expect(messages.map(stripRaw)).toStrictEqual([chat(content), chat(content2, 3, 4)]);
    expect(messages[0]!.raw.equals(a)).toBe(true);
    expect(messages[1]!.raw.equals(b)).toBe(true);
    expect(dec.buffered).toBe(0);
  });

  it('a large frame in medium pieces followed by small frames in the same chunk', () => {
    const big = encode(chat('b'.repeat(50_000)));
    const small = encode(chat('s'));
    const stream = Buffer.concat([big, small, small]);
    const { messages, error } = feedAll(randomChunks(stream, mulberry32(9), 4096));
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(3);
    expect(messages[0]!.raw.equals(big)).toBe(true);
  });
});

// ------------------------------------------------------------------ limits

describe('FrameDecoder limits (checked as soon as the header is in)', () => {
  const small: Limits = { maxName: 8, maxInfo: 10, maxContent: 20 };

  describe.each(REG_TYPES)('%s', (_n, type) => {
    it('name over the limit -> name-too-long with the declared length, from the header alone', () => {
      const dec = new FrameDecoder(small);
      const r = dec.feed(regHeader(type, 9, 0));
      expect(r.messages).toHaveLength(0);
      expectDecodeError(r.error, 'name-too-long', 9, 0);
    });

    it('default limits accept a 255-byte name (the u8 maximum)', () => {
      const msg: Message = { type, sourceId: 1, lastHopId: 0, name: 'n'.repeat(255), info: '' };
      const r = new FrameDecoder().feed(encode(msg));
      expect(r.error).toBeUndefined();
      expect(r.messages.map(stripRaw)).toStrictEqual([msg]);
    });

    it('info over the limit -> info-too-long with the declared length, from the header alone', () => {
      const dec = new FrameDecoder(small);
      const r = dec.feed(regHeader(type, 3, 11));
      expect(r.messages).toHaveLength(0);
      expectDecodeError(r.error, 'info-too-long', 11, 0);
    });

    it('info over a default-sized custom limit (maxInfo 1000, declared 65535)', () => {
      const r = new FrameDecoder({ maxInfo: 1000 }).feed(regHeader(type, 0, 65_535));
      expectDecodeError(r.error, 'info-too-long', 65_535, 0);
    });

    it('name and info exactly at the limit are accepted', () => {
      const msg: Message = { type, sourceId: 1, lastHopId: 2, name: 'é'.repeat(4), info: '0123456789' };
      const r = new FrameDecoder(small).feed(encode(msg));
      expect(r.error).toBeUndefined();
      expect(r.messages.map(stripRaw)).toStrictEqual([msg]);
    });

    it('the error appears exactly when the last header byte arrives (header fed byte by byte)', () => {
      const dec = new FrameDecoder(small);
      const h = regHeader(type, 200, 0);
      for (let i = 0; i < h.length - 1; i++) {
        const r = dec.feed(h.subarray(i, i + 1));
        expect(r.error, `byte ${i}`).toBeUndefined();
      }
      expectDecodeError(dec.feed(h.subarray(h.length - 1)).error, 'name-too-long', 200, 0);
    });
  });

  describe.each(CONTENT_TYPES)('%s', (_n, type) => {
    it('content over a custom limit -> content-too-long with the declared length, from the header alone', () => {
      const r = new FrameDecoder(small).feed(contentHeader(type, 21));
      expect(r.messages).toHaveLength(0);
      expectDecodeError(r.error, 'content-too-long', 21, 0);
    });

    it('default 64 KiB limit: declared 64*1024+1 fails from the header alone', () => {
      const dec = new FrameDecoder();
      const r = dec.feed(contentHeader(type, 64 * 1024 + 1));
      expect(r.messages).toHaveLength(0);
      expectDecodeError(r.error, 'content-too-long', 64 * 1024 + 1, 0);
      expect(dec.failed).toBe(r.error);
      expect(dec.buffered).toBe(0);
    });

    it('a hostile u32 length (0xffffffff) fails from the header alone', () => {
      const r = new FrameDecoder().feed(contentHeader(type, 0xffff_ffff));
      expectDecodeError(r.error, 'content-too-long', 0xffff_ffff, 0);
    });

    it('default limit: declared exactly 64*1024 is accepted and waits for the body', () => {
      const dec = new FrameDecoder();
      const h = contentHeader(type, 64 * 1024);
      const r = dec.feed(h);
      expect(r.error).toBeUndefined();
      expect(r.messages).toHaveLength(0);
      const r2 = dec.feed(Buffer.alloc(64 * 1024, 0x61));
      expect(r2.error).toBeUndefined();
      expect(r2.messages).toHaveLength(1);
      expect((r2.messages[0] as { content: string }).content).toBe('a'.repeat(64 * 1024));
    });

    it('header split across chunks: error reported on the chunk completing the header, offset = frame start', () => {
      const ok = encode(chat('first'));
      const h = contentHeader(type, 21);
      const dec = new FrameDecoder(small);
      const r1 = dec.feed(Buffer.concat([ok, h.subarray(0, 3)]));
      expect(r1.error).toBeUndefined();
      expect(r1.messages).toHaveLength(1);
      const r2 = dec.feed(h.subarray(3));
      expect(r2.messages).toHaveLength(0);
      expectDecodeError(r2.error, 'content-too-long', 21, ok.length);
    });
  });

  it('rejects limits the wire cannot express', () => {
    expect(() => new FrameDecoder({ maxName: 256 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxInfo: 65_536 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxContent: -1 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxContent: 1.5 })).toThrow(RangeError);
    expect(new FrameDecoder({ maxName: 3 }).limits).toEqual({ ...DEFAULT_LIMITS, maxName: 3 });
  });
});

// ------------------------------------------------------------------ unknown type, UTF-8

describe('FrameDecoder errors', () => {
  it.each([0x03, 0x04, 0x7f, 0x83, 0xff, 0x10])('unknown type byte %i -> unknown-type, value = the byte', (b) => {
    const r = new FrameDecoder().feed(Buffer.from([b]));
    expect(r.messages).toHaveLength(0);
    expectDecodeError(r.error, 'unknown-type', b, 0);
  });

  it('unknown type after valid frames: those frames are still returned, offset points at the bad byte', () => {
    const a = encode(chat('a'));
    const b = encode({ type: MessageType.ClientQuit, sourceId: 3, content: 'bye' });
    const dec = new FrameDecoder();
    const r = dec.feed(Buffer.concat([a, b, Buffer.from([0x99, 1, 2, 3]), encode(chat('after'))]));
    expect(r.messages.map(stripRaw)).toStrictEqual([chat('a'), { type: MessageType.ClientQuit, sourceId: 3, content: 'bye' }]);
    expectDecodeError(r.error, 'unknown-type', 0x99, a.length + b.length);
  });

  it('streamOffset counts bytes across earlier chunks', () => {
    const a = encode(chat('x'.repeat(30)));
    const dec = new FrameDecoder();
    expect(dec.feed(a.subarray(0, 20)).error).toBeUndefined();
    expect(dec.feed(a.subarray(20)).messages).toHaveLength(1);
    expect(dec.feed(a).messages).toHaveLength(1);
    const r = dec.feed(Buffer.from([0x05]));
    expectDecodeError(r.error, 'unknown-type', 5, 2 * a.length);
  });

  const badUtf8: readonly (readonly [string, number[]])[] = [
    ['0xff', [0xff]],
    ['lone continuation', [0x80]],
    ['overlong NUL', [0xc0, 0x80]],
    ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['truncated 3-byte sequence', [0x61, 0xe2, 0x9c]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ];

  describe.each(badUtf8)('invalid UTF-8 (%s)', (_label, bad) => {
    const badBuf = Buffer.from(bad);

    it.each(REG_TYPES)('%s name -> invalid-utf8, value "name"', (_n, type) => {
      const frame = Buffer.concat([regHeader(type, badBuf.length, 2), badBuf, Buffer.from('ok')]);
      expectDecodeError(new FrameDecoder().feed(frame).error, 'invalid-utf8', 'name', 0);
    });

    it.each(REG_TYPES)('%s info -> invalid-utf8, value "info"', (_n, type) => {
      const frame = Buffer.concat([regHeader(type, 2, badBuf.length + 1), Buffer.from('ok'), Buffer.from('i'), badBuf]);
      expectDecodeError(new FrameDecoder().feed(frame).error, 'invalid-utf8', 'info', 0);
    });

    it.each(CONTENT_TYPES)('%s content -> invalid-utf8, value "content"', (_n, type) => {
      const frame = Buffer.concat([contentHeader(type, badBuf.length), badBuf]);
      expectDecodeError(new FrameDecoder().feed(frame).error, 'invalid-utf8', 'content', 0);
    });
  });

  it('a multi-byte character straddling the name/info boundary is invalid in the name', () => {
    const e = Buffer.from('é'); // c3 a9
    const frame = Buffer.concat([regHeader(0x80, 2, 2), Buffer.from('a'), e, Buffer.from('b')]);
    expectDecodeError(new FrameDecoder().feed(frame).error, 'invalid-utf8', 'name', 0);
  });

  it('invalid UTF-8 in a frame split across chunks: earlier messages kept, offset = frame start', () => {
    const ok = encode(chat('fine'));
    const bad = Buffer.concat([contentHeader(MessageType.ClientChat, 3), Buffer.from([0x61, 0xff, 0x62])]);
    const dec = new FrameDecoder();
    const r1 = dec.feed(Buffer.concat([ok, bad.subarray(0, 14)]));
    expect(r1.messages).toHaveLength(1);
    expect(r1.error).toBeUndefined();
    const r2 = dec.feed(bad.subarray(14));
    expect(r2.messages).toHaveLength(0);
    expectDecodeError(r2.error, 'invalid-utf8', 'content', ok.length);
  });

  it('valid edge-case UTF-8 is accepted (NUL, BOM, U+10FFFF, 4-byte chars)', () => {
    const content = '\0\uFEFFa\u{10FFFF}𝄞';
    const bytes = encode(chat(content));
    const r = new FrameDecoder().feed(bytes);
    expect(r.error).toBeUndefined();
    expect((r.messages[0] as { content: string }).content).toBe(content);
  });

  it('after an error the decoder stays failed: same error, no messages, whatever is fed', () => {
    const dec = new FrameDecoder({ maxContent: 4 });
    const before = encode(chat('ok'));
    const r = dec.feed(Buffer.concat([before, contentHeader(MessageType.ClientChat, 5)]));
    expect(r.messages).toHaveLength(1);
    expectDecodeError(r.error, 'content-too-long', 5, before.length);
    const err = r.error;
    expect(dec.failed).toBe(err);
    for (const next of [encode(chat('ok')), Buffer.alloc(0), Buffer.from([0x81]), Buffer.from([0xff])]) {
      const again = dec.feed(next);
      expect(again.messages).toHaveLength(0);
      expect(again.error).toBe(err);
    }
    expect(dec.buffered).toBe(0);
  });

  it('an error in a later chunk does not repeat messages already returned', () => {
    const dec = new FrameDecoder();
    const a = encode(chat('a'));
    expect(dec.feed(a).messages).toHaveLength(1);
    const r = dec.feed(Buffer.concat([encode(chat('b')), Buffer.from([0x42])]));
    expect(r.messages.map(stripRaw)).toStrictEqual([chat('b')]);
    expectDecodeError(r.error, 'unknown-type', 0x42, a.length + encode(chat('b')).length);
  });
});

describe('FrameDecoder property: chunking never changes the outcome', () => {
  it('random valid streams with a corrupt byte give identical results one-shot, bytewise and chunked', () => {
    const rng = mulberry32(77);
    for (let round = 0; round < 200; round++) {
      const frames = Array.from({ length: randInt(rng, 1, 8) }, () => encode(randomMessage(rng, 12)));
      const stream = Buffer.concat(frames);
      if (rng() < 0.7) stream[randInt(rng, 0, stream.length - 1)] = randInt(rng, 0, 255);
      const limits = { maxName: 16, maxInfo: 30, maxContent: 40 };
      const one = feedAll([stream], new FrameDecoder(limits));
      const bw = feedAll(bytewise(stream), new FrameDecoder(limits));
      const ch = feedAll(randomChunks(stream, rng, 9), new FrameDecoder(limits));
      for (const other of [bw, ch]) {
        expect(other.messages.map((m) => m.raw.toString('hex'))).toEqual(one.messages.map((m) => m.raw.toString('hex')));
        expect(other.messages.map(stripRaw)).toStrictEqual(one.messages.map(stripRaw));
        expect(other.error?.code).toBe(one.error?.code);
        expect(other.error?.value).toBe(one.error?.value);
        expect(other.error?.streamOffset).toBe(one.error?.streamOffset);
      }
    }
  });
});
