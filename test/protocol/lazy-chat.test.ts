// Server-to-server links decode chat text lazily (relays forward bytes); client links keep
// validating, so bad text is refused where it enters the network.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, MessageType, encode } from '../../src/protocol/index.ts';

const chat = (content: string) => encode({ type: MessageType.ClientChat, sourceId: 7, destinationId: 9, content });

describe('lazy chat text', () => {
  it('gives the same message, with the text decoded on first read', () => {
    const d = new FrameDecoder();
    d.lazyChatText = true;
    const { messages } = d.feed(Buffer.concat([chat('héllo ✓'), chat('')]));
    expect(messages).toHaveLength(2);
    const m = messages[0]!;
    expect(m.type).toBe(MessageType.ClientChat);
    if (m.type !== MessageType.ClientChat) return;
    expect([m.sourceId, m.destinationId]).toEqual([7, 9]);
    expect(m.content).toBe('héllo ✓');
    expect(m.raw.equals(chat('héllo ✓'))).toBe(true);
    expect((messages[1] as { content: string }).content).toBe('');
  });

  it('does not validate chat text on a trusted link, but still checks every length and type', () => {
    const bad = chat('ab');
    bad[13] = 0xff;
    const lazy = new FrameDecoder();
    lazy.lazyChatText = true;
    expect(lazy.feed(bad).error).toBeUndefined();
    const eager = new FrameDecoder();
    expect(eager.feed(bad).error?.code).toBe('invalid-utf8');
    const tooLong = Buffer.from(chat('x'));
    tooLong.writeUInt32BE(64 * 1024 + 1, 9);
    expect(lazy.feed(tooLong).error?.code).toBe('content-too-long');
  });
});
