// chatFrameTextIsUtf8() answers as the native UTF-8 check does, at every length and wherever
// in the text the first byte past ASCII lies: short ASCII text is scanned in JS (four bytes a
// step, then the tail), anything else goes to the native check.
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MessageType, chatFrameTextIsUtf8, chatTextIsUtf8, encode } from '../../src/protocol/index.ts';

const HEADER = 13;

/** A chat frame with `text` as its content bytes, at offset `pad` of a bigger buffer (as in a read). */
function frameIn(text: Buffer, pad: number): { buf: Buffer; at: number; len: number } {
  const frame = encode({ type: MessageType.ClientChat, sourceId: 7, destinationId: 9, content: '' });
  frame.writeUInt32BE(text.length, 9);
  const buf = Buffer.concat([Buffer.alloc(pad, 0xff), frame, text, Buffer.alloc(3, 0xff)]);
  return { buf, at: pad, len: HEADER + text.length };
}

const bad: Array<[string, number[]]> = [
  ['0xff', [0xff]],
  ['lone continuation', [0x80]],
  ['overlong NUL', [0xc0, 0x80]],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['truncated 3-byte sequence', [0xe2, 0x9c]],
  ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
];
const good: Array<[string, number[]]> = [
  ['é', [0xc3, 0xa9]],
  ['✓', [0xe2, 0x9c, 0x93]],
  ['𝄞', [0xf0, 0x9d, 0x84, 0x9e]],
];

describe('chatFrameTextIsUtf8', () => {
  // Lengths around the unrolled step, and around the JS scan's limit (96 B) where the native check takes over.
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 95, 96, 97, 98, 200];

  it.each(lengths)('ASCII text of %i bytes is valid, read in place with bytes past ASCII around it', (n) => {
    const { buf, at, len } = frameIn(Buffer.alloc(n, 0x61), 5);
    expect(chatFrameTextIsUtf8(buf, at, len)).toBe(true);
  });

  describe.each(bad)('invalid (%s)', (_label, seq) => {
    it.each(lengths.filter((n) => n >= seq.length))('at every position of %i bytes of text: invalid', (n) => {
      for (let p = 0; p + seq.length <= n; p++) {
        const text = Buffer.alloc(n, 0x61);
        Buffer.from(seq).copy(text, p);
        const { buf, at, len } = frameIn(text, p % 4);
        expect(chatFrameTextIsUtf8(buf, at, len), `byte ${p} of ${n}`).toBe(isUtf8(text));
        expect(isUtf8(text), `byte ${p} of ${n}`).toBe(false);
      }
    });
  });

  describe.each(good)('valid non-ASCII (%s)', (_label, seq) => {
    it.each(lengths.filter((n) => n >= seq.length))('at every position of %i bytes of text: valid', (n) => {
      for (let p = 0; p + seq.length <= n; p++) {
        const text = Buffer.alloc(n, 0x61);
        Buffer.from(seq).copy(text, p);
        const { buf, at, len } = frameIn(text, 3);
        expect(chatFrameTextIsUtf8(buf, at, len), `byte ${p} of ${n}`).toBe(true);
      }
    });
  });

  it('agrees with the native check on random bytes of random lengths', () => {
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 5000; k++) {
      const n = Math.floor(rand() * 130);
      // Mostly ASCII, with a few bytes of any value: both verdicts occur often.
      const text = Buffer.from(Array.from({ length: n }, () => (rand() < 0.03 ? Math.floor(rand() * 256) : 0x20 + Math.floor(rand() * 95))));
      const { buf, at, len } = frameIn(text, k % 7);
      expect(chatFrameTextIsUtf8(buf, at, len)).toBe(isUtf8(text));
    }
  });

  it('chatTextIsUtf8 gives the same verdict on a decoded chat', () => {
    const frame = encode({ type: MessageType.ClientChat, sourceId: 7, destinationId: 9, content: 'ab' });
    expect(chatTextIsUtf8({ raw: frame })).toBe(true);
    frame[14] = 0xff;
    expect(chatTextIsUtf8({ raw: frame })).toBe(false);
    expect(chatTextIsUtf8({})).toBe(true);
  });
});
