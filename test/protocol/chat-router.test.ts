// FrameDecoder.feed with a ChatRouter (a server link's fast path): whole chats go to the router
// by their header, everything else is decoded, and the stream's order holds across both.
import { describe, expect, it } from 'vitest';
import { type ChatRouter, type DecodedMessage, FrameDecoder, type Message, MessageType, encode } from '../../src/protocol/index.ts';
import { mulberry32, randInt } from './helpers.ts';

const chat = (sourceId: number, content: string): Message => ({ type: MessageType.ClientChat, sourceId, destinationId: 9, content });
const status = (content: string): Message => ({ type: MessageType.Status, sourceId: 5, destinationId: 0, statusCode: 1, content });

/** Records every frame in the order it was handled: taken by the router, delivered early, or returned. */
class Recorder implements ChatRouter {
  readonly seen: Array<{ how: 'routed' | 'decoded'; hex: string }> = [];
  offered = 0;
  constructor(private readonly takes: (src: number) => boolean) {}
  chat(buf: Buffer, at: number, len: number): boolean {
    this.offered++;
    if (!this.takes(buf.readUInt32BE(at + 1))) return false;
    this.seen.push({ how: 'routed', hex: buf.toString('hex', at, at + len) });
    return true;
  }
  deliver(messages: DecodedMessage[]): void {
    for (const m of messages) this.seen.push({ how: 'decoded', hex: m.raw.toString('hex') });
  }
}

describe('FrameDecoder with a ChatRouter', () => {
  const frames: Message[] = [
    chat(1, 'a'), status('s1'), chat(3, 'declined'), chat(1, 'b'), chat(1, ''), status(''),
    chat(1, 'x'.repeat(300)), chat(3, 'declined too'), chat(1, 'héllo'), chat(1, 'last'),
  ];
  const wire = frames.map((m) => encode(m));
  const stream = Buffer.concat(wire);

  it.each([1, 2, 3, 4, 5])('keeps the stream order, each frame once, for any split of the reads (seed %i)', (seed) => {
    const rng = mulberry32(seed);
    const d = new FrameDecoder();
    d.lazyChatText = true;
    const r = new Recorder((src) => src === 1);
    for (let pos = 0; pos < stream.length;) {
      const n = Math.min(stream.length - pos, randInt(rng, 1, 120));
      const { messages, error } = d.feed(stream.subarray(pos, pos + n), r);
      expect(error).toBeUndefined();
      r.deliver(messages);
      pos += n;
    }
    expect(r.seen.map((s) => s.hex)).toEqual(wire.map((b) => b.toString('hex')));
    // Declined chats and statuses were decoded; the router took only chats it accepted.
    for (const [i, s] of r.seen.entries()) {
      const m = frames[i]!;
      if (m.type !== MessageType.ClientChat || m.sourceId !== 1) expect(s.how).toBe('decoded');
    }
    expect(d.frames).toBe(frames.length);
    expect(d.buffered).toBe(0);
  });

  it('routes every whole chat of one read and decodes none of them', () => {
    const d = new FrameDecoder();
    d.lazyChatText = true;
    const r = new Recorder(() => true);
    const chats = [chat(1, 'a'), chat(1, 'b'), chat(1, 'c')].map((m) => encode(m));
    const { messages } = d.feed(Buffer.concat(chats), r);
    expect(messages).toHaveLength(0);
    expect(r.seen.map((s) => s.how)).toEqual(['routed', 'routed', 'routed']);
  });

  it('never offers a chat past the content limit: the stream fails as without a router', () => {
    const d = new FrameDecoder({ maxContent: 16 });
    d.lazyChatText = true;
    const r = new Recorder(() => true);
    const { messages, error } = d.feed(Buffer.concat([encode(chat(1, 'ok')), encode(chat(1, 'y'.repeat(17)))]), r);
    expect(messages).toHaveLength(0);
    expect(r.seen.map((s) => s.how)).toEqual(['routed']);
    expect(r.offered).toBe(1);
    expect(error?.code).toBe('content-too-long');
    expect(d.feed(encode(chat(1, 'after')), r).error?.code).toBe('content-too-long'); // dead, as ever
    expect(r.offered).toBe(1);
  });

  it('holds a chat split across reads and decodes it (the router sees only whole frames in one read)', () => {
    const d = new FrameDecoder();
    d.lazyChatText = true;
    const r = new Recorder(() => true);
    const f = encode(chat(1, 'split'));
    expect(d.feed(f.subarray(0, 7), r).messages).toHaveLength(0);
    const { messages } = d.feed(Buffer.concat([f.subarray(7), encode(chat(1, 'next'))]), r);
    // The held one is decoded and handed on before the next, routed one.
    expect(r.seen.map((s) => s.how)).toEqual(['decoded', 'routed']);
    expect(messages).toHaveLength(0);
  });
});
