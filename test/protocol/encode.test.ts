// Encoder: exact layouts, byte-counted lengths, limits, id validation, withLastHop.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  EncodeError,
  FrameDecoder,
  type Message,
  MessageType,
  encode,
  withLastHop,
} from '../../src/protocol/index.ts';
import { stripRaw } from './helpers.ts';

function expectEncodeError(fn: () => unknown, field: string, value?: unknown): EncodeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected EncodeError for ${field}`).toBeInstanceOf(EncodeError);
  const e = caught as EncodeError;
  expect(e.field).toBe(field);
  if (value !== undefined) expect(e.value).toBe(value);
  expect(e.message).toContain(field);
  return e;
}

function decodeOne(bytes: Buffer) {
  const r = new FrameDecoder().feed(bytes);
  expect(r.error).toBeUndefined();
  expect(r.messages).toHaveLength(1);
  return r.messages[0]!;
}

const reg = (name: string, info = '', type: 0x00 | 0x80 = MessageType.ClientRegistration): Message =>
  ({ type, sourceId: 101, lastHopId: 0, name, info });

describe('encode: layouts', () => {
  it('server/client registration: !B I I B H + name + info', () => {
    const b = encode({ type: MessageType.ServerRegistration, sourceId: 0x01020304, lastHopId: 0x0a0b0c0d, name: 'ab', info: 'xyz' });
    expect(b.toString('hex')).toBe('00' + '01020304' + '0a0b0c0d' + '02' + '0003' + '6162' + '78797a');
    const c = encode({ type: MessageType.ClientRegistration, sourceId: 1, lastHopId: 2, name: '', info: '' });
    expect(c.toString('hex')).toBe('80' + '00000001' + '00000002' + '00' + '0000');
  });

  it('status: !B I I H I + content', () => {
    const b = encode({ type: MessageType.Status, sourceId: 1, destinationId: 0xfffffffe, statusCode: 0x0102, content: 'hi' });
    expect(b.toString('hex')).toBe('01' + '00000001' + 'fffffffe' + '0102' + '00000002' + '6869');
  });

  it('server quit: !B I I I + content with type byte 0x02 (not 0x81), and decodes back', () => {
    const msg: Message = { type: MessageType.ServerQuit, sourceId: 7, replacementId: 4, content: 'maintenance ✓' };
    const b = encode(msg);
    expect(b[0]).toBe(0x02);
    expect(b.toString('hex', 0, 13)).toBe('02' + '00000007' + '00000004' + '0000000f');
    const m = decodeOne(b);
    expect(m.type).toBe(MessageType.ServerQuit);
    expect(stripRaw(m)).toStrictEqual(msg);
    expect(m.raw.equals(b)).toBe(true);
  });

  it('client chat: !B I I I + content', () => {
    const b = encode({ type: MessageType.ClientChat, sourceId: 102, destinationId: 101, content: '' });
    expect(b.toString('hex')).toBe('81' + '00000066' + '00000065' + '00000000');
  });

  it('client quit: !B I I + content', () => {
    const b = encode({ type: MessageType.ClientQuit, sourceId: 0xffffffff, content: 'é' });
    expect(b.toString('hex')).toBe('82' + 'ffffffff' + '00000002' + 'c3a9');
  });

  it('ids 0 and 0xffffffff are valid everywhere', () => {
    for (const id of [0, 0xffff_ffff]) {
      const msgs: Message[] = [
        { type: MessageType.ServerRegistration, sourceId: id, lastHopId: id, name: 'n', info: 'i' },
        { type: MessageType.Status, sourceId: id, destinationId: id, statusCode: 0xffff, content: 'c' },
        { type: MessageType.ServerQuit, sourceId: id, replacementId: id, content: 'c' },
        { type: MessageType.ClientChat, sourceId: id, destinationId: id, content: 'c' },
        { type: MessageType.ClientQuit, sourceId: id, content: 'c' },
      ];
      for (const m of msgs) expect(stripRaw(decodeOne(encode(m)))).toStrictEqual(m);
    }
  });
});

describe('encode: lengths are UTF-8 bytes, never characters, never truncated', () => {
  it('a name of 100 "é" is 200 bytes and encodes', () => {
    const name = 'é'.repeat(100);
    const b = encode(reg(name));
    expect(b[9]).toBe(200);
    expect(b.length).toBe(12 + 200);
    expect(stripRaw(decodeOne(b))).toStrictEqual(reg(name));
  });

  it('a name of 127 "é" (254 bytes) and 255 ASCII bytes encode', () => {
    expect(encode(reg('é'.repeat(127)))[9]).toBe(254);
    expect(encode(reg('a'.repeat(255)))[9]).toBe(255);
  });

  it('a name of 128 "é" (256 bytes) is an EncodeError naming the field', () => {
    const e = expectEncodeError(() => encode(reg('é'.repeat(128))), 'name', 256);
    expect(e.message).toMatch(/256/);
  });

  it('a name of 256 ASCII bytes is an EncodeError; so is 85 "𝄞" (340 bytes, 170 UTF-16 units)', () => {
    expectEncodeError(() => encode(reg('a'.repeat(256))), 'name', 256);
    expectEncodeError(() => encode(reg('𝄞'.repeat(85))), 'name', 340);
  });

  it('info of exactly 65535 bytes encodes; 65536 bytes is an EncodeError', () => {
    const ok = encode(reg('n', 'i'.repeat(65_535)));
    expect(ok.readUInt16BE(10)).toBe(65_535);
    expect(ok.length).toBe(12 + 1 + 65_535);
    expectEncodeError(() => encode(reg('n', 'i'.repeat(65_536))), 'info', 65_536);
    expectEncodeError(() => encode(reg('n', 'é'.repeat(32_768))), 'info', 65_536);
    expectEncodeError(() => encode(reg('n', '✓'.repeat(30_000))), 'info', 90_000);
  });

  it('content over the 64 KiB default is an EncodeError for every content type', () => {
    const big = 'c'.repeat(DEFAULT_LIMITS.maxContent + 1);
    const msgs: Message[] = [
      { type: MessageType.Status, sourceId: 1, destinationId: 0, statusCode: 0, content: big },
      { type: MessageType.ServerQuit, sourceId: 1, replacementId: 0, content: big },
      { type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: big },
      { type: MessageType.ClientQuit, sourceId: 1, content: big },
    ];
    for (const m of msgs) expectEncodeError(() => encode(m), 'content', DEFAULT_LIMITS.maxContent + 1);
    const atLimit = encode({ type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: 'é'.repeat(DEFAULT_LIMITS.maxContent / 2) });
    expect(atLimit.readUInt32BE(9)).toBe(DEFAULT_LIMITS.maxContent);
  });

  it('custom (partial) limits are honoured', () => {
    const m: Message = { type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: 'ééé' };
    expectEncodeError(() => encode(m, { ...DEFAULT_LIMITS, maxContent: 5 }), 'content', 6);
    expectEncodeError(() => encode(m, { maxContent: 5 }), 'content', 6);
    expect(encode(m, { maxContent: 6 }).length).toBe(13 + 6);
    expectEncodeError(() => encode(reg('abcd'), { maxName: 3 }), 'name', 4);
    expectEncodeError(() => encode(reg('a', 'abcd'), { maxInfo: 3 }), 'info', 4);
  });

  it('limits beyond the wire fields are refused, never written as a wrapped length', () => {
    // A u8 cannot hold 256: this must not silently produce a frame whose name length byte is 0.
    expect(() => encode(reg('a'.repeat(256)), { ...DEFAULT_LIMITS, maxName: 300 })).toThrow();
    expect(() => encode(reg('a', 'i'.repeat(65_536)), { ...DEFAULT_LIMITS, maxInfo: 70_000 })).toThrow();
  });

  it('the length field always equals the bytes written (lone surrogates become U+FFFD)', () => {
    const b = encode({ type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: 'a\ud800b' });
    expect(b.readUInt32BE(9)).toBe(b.length - 13);
    expect((decodeOne(b) as { content: string }).content).toBe('a\ufffdb');
  });
});

describe('encode: field validation', () => {
  const bad = [-1, 2 ** 32, 1.5, NaN, Infinity, -0.5];
  const base = {
    reg: { type: MessageType.ServerRegistration, sourceId: 1, lastHopId: 0, name: 'n', info: 'i' },
    status: { type: MessageType.Status, sourceId: 1, destinationId: 0, statusCode: 0, content: '' },
    squit: { type: MessageType.ServerQuit, sourceId: 1, replacementId: 0, content: '' },
    chat: { type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: '' },
    cquit: { type: MessageType.ClientQuit, sourceId: 1, content: '' },
  } as const;

  it.each(bad)('id %s is an EncodeError naming the field', (v) => {
    for (const m of Object.values(base)) expectEncodeError(() => encode({ ...m, sourceId: v } as Message), 'sourceId');
    expectEncodeError(() => encode({ ...base.reg, lastHopId: v }), 'lastHopId');
    expectEncodeError(() => encode({ ...base.status, destinationId: v }), 'destinationId');
    expectEncodeError(() => encode({ ...base.chat, destinationId: v }), 'destinationId');
    expectEncodeError(() => encode({ ...base.squit, replacementId: v }), 'replacementId');
  });

  it('a non-number id is an EncodeError', () => {
    expectEncodeError(() => encode({ ...base.chat, sourceId: '5' as unknown as number }), 'sourceId');
    expectEncodeError(() => encode({ ...base.chat, destinationId: undefined as unknown as number }), 'destinationId');
  });

  it.each([-1, 0x1_0000, 2.5, NaN])('statusCode %s is an EncodeError', (v) => {
    expectEncodeError(() => encode({ ...base.status, statusCode: v }), 'statusCode');
  });

  it('non-string name/info/content is an EncodeError', () => {
    expectEncodeError(() => encode({ ...base.reg, name: 5 as unknown as string }), 'name');
    expectEncodeError(() => encode({ ...base.reg, info: undefined as unknown as string }), 'info');
    expectEncodeError(() => encode({ ...base.chat, content: null as unknown as string }), 'content');
  });

  it('an unknown type is an EncodeError', () => {
    expectEncodeError(() => encode({ ...base.chat, type: 0x03 } as unknown as Message), 'type', 0x03);
  });
});

describe('withLastHop', () => {
  const msg: Message = { type: MessageType.ServerRegistration, sourceId: 11, lastHopId: 0, name: 'barad-dur', info: 'The Dark Tower ✓' };

  it('patches bytes 5..8 only, returns a new buffer, and does not mutate its input', () => {
    const raw = encode(msg);
    const before = Buffer.from(raw);
    const out = withLastHop(raw, 0xdeadbeef);
    expect(out).not.toBe(raw);
    expect(raw.equals(before)).toBe(true);
    expect(out.length).toBe(raw.length);
    expect(out.readUInt32BE(5)).toBe(0xdeadbeef);
    for (let i = 0; i < raw.length; i++) {
      if (i >= 5 && i <= 8) continue;
      expect(out[i], `byte ${i}`).toBe(raw[i]);
    }
    expect(out.equals(encode({ ...msg, lastHopId: 0xdeadbeef }))).toBe(true);
    // the copy is independent of the input
    raw[20] = 0;
    expect(out[20]).toBe(before[20]);
  });

  it('works on a decoded raw that is a view into a larger chunk', () => {
    const other = encode({ type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: 'zzz' });
    const frame = encode({ ...msg, type: MessageType.ClientRegistration });
    const chunk = Buffer.concat([other, frame, other]);
    const snapshot = Buffer.from(chunk);
    const [, m] = new FrameDecoder().feed(chunk).messages;
    const out = withLastHop(m!.raw, 7);
    expect(chunk.equals(snapshot)).toBe(true);
    expect(stripRaw(decodeOne(out))).toStrictEqual({ ...msg, type: MessageType.ClientRegistration, lastHopId: 7 });
  });

  it('rejects an id outside uint32 and a frame that is not a registration', () => {
    const raw = encode(msg);
    expectEncodeError(() => withLastHop(raw, -1), 'lastHopId');
    expectEncodeError(() => withLastHop(raw, 2 ** 32), 'lastHopId');
    expectEncodeError(() => withLastHop(raw, 1.5), 'lastHopId');
    const chatRaw = encode({ type: MessageType.ClientChat, sourceId: 1, destinationId: 2, content: 'hello' });
    expect(() => withLastHop(chatRaw, 3)).toThrow(EncodeError);
    expect(() => withLastHop(raw.subarray(0, 8), 3)).toThrow(EncodeError);
  });
});
