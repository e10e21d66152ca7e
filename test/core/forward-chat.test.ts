// The chat fast path (ServerCore.forwardChat) against the full rules (received()): it names
// a connection exactly when received() would do nothing but forward the frame's bytes there.
import { describe, expect, it } from 'vitest';
import { ServerCore } from '../../src/core/index.ts';
import { pingFrame } from '../../src/core/liveness.ts';
import { type ClientChatMessage, type DecodedMessage, FrameDecoder, MessageType } from '../../src/protocol/index.ts';
import { chatMsg, clientReg, serverReg } from './msgs.ts';

const A = 1; // client 101
const S2 = 2; // server 2, with client 201 behind it
const B = 3; // client 102
const PENDING = 4; // never registered

function setUp(): ServerCore {
  const core = new ServerCore({ id: 1, name: 's1', info: 'i1' }, { pingIntervalMs: 250 });
  for (const c of [A, S2, B, PENDING]) core.opened(c, false);
  core.received(A, decode(clientReg(101, 0, 'a', 'x')));
  core.received(S2, decode(serverReg(2, 0, 's2', 'i2')));
  core.received(S2, decode(clientReg(201, 2, 'z', 'x'), true));
  core.received(B, decode(clientReg(102, 0, 'b', 'x')));
  return core;
}

function decode(frame: Buffer, trusted = false): DecodedMessage {
  const d = new FrameDecoder();
  d.lazyChatText = trusted;
  const { messages, error } = d.feed(frame);
  if (error || messages.length !== 1) throw new Error(`bad test frame: ${error?.message}`);
  return messages[0]!;
}

function decodeChat(frame: Buffer, trusted = false): ClientChatMessage {
  const m = decode(frame, trusted);
  if (m.type !== MessageType.ClientChat) throw new Error('not a chat');
  return m;
}

/** A chat whose text is not UTF-8 (as a server link would carry it, unchecked). */
function badChat(src: number, dest: number): Buffer {
  const f = chatMsg(src, dest, 'ok?');
  f[f.length - 1] = 0xff;
  return f;
}

/** What received() does with it: the connection, if forwarding its bytes there is all. */
function fullRules(core: ServerCore, conn: number, msg: DecodedMessage): number | undefined {
  const effects = core.received(conn, msg);
  const only = effects.length === 1 ? effects[0]! : undefined;
  return only?.kind === 'send' && only.data === msg.raw ? only.conn : undefined;
}

const cases: Array<{ what: string; conn: number; frame: Buffer; expected: number | undefined }> = [
  { what: 'client to a client behind a server link', conn: A, frame: chatMsg(101, 201, 'hi'), expected: S2 },
  { what: 'client to a client on this server', conn: A, frame: chatMsg(101, 102, 'hi'), expected: B },
  { what: 'server link to our client, valid text (checked)', conn: S2, frame: chatMsg(201, 101, 'héllo'), expected: A },
  { what: 'server link to our client, invalid text', conn: S2, frame: badChat(201, 101), expected: undefined },
  { what: 'an empty chat', conn: A, frame: chatMsg(101, 201, ''), expected: S2 },
  { what: 'the adjacent server itself as the source', conn: S2, frame: chatMsg(2, 102, 'x'), expected: B },
  { what: 'an unknown destination', conn: A, frame: chatMsg(101, 999, 'x'), expected: undefined },
  { what: 'a forged source', conn: A, frame: chatMsg(102, 201, 'x'), expected: undefined },
  { what: 'a source not behind that server link', conn: S2, frame: chatMsg(102, 101, 'x'), expected: undefined },
  { what: 'a connection that has not registered', conn: PENDING, frame: chatMsg(777, 101, 'x'), expected: undefined },
  { what: 'back over the link it came on', conn: S2, frame: chatMsg(201, 201, 'x'), expected: undefined },
  { what: 'a client to itself', conn: A, frame: chatMsg(101, 101, 'x'), expected: undefined },
];

describe('ServerCore.forwardChat', () => {
  it.each(cases)('$what', ({ conn, frame, expected }) => {
    const trusted = conn === S2;
    const fast = setUp().forwardChat(conn, decodeChat(frame, trusted));
    expect(fast).toBe(expected);
    // The same answer as the full rules, and the full rules do more whenever it says no.
    expect(fullRules(setUp(), conn, decode(frame, trusted))).toBe(expected);
    if (expected === undefined) expect(setUp().received(conn, decode(frame, trusted)).length).toBeGreaterThan(0);
  });

  it.each(cases)('routeChat by ids, the frame inside a larger read: $what', ({ conn, frame, expected }) => {
    // Bytes on both sides, so an off-by-offset text check would see the wrong bytes.
    const read = Buffer.concat([Buffer.from([0xff, 0xfe, 0x81]), frame, Buffer.from([0xff])]);
    const src = frame.readUInt32BE(1);
    const dest = frame.readUInt32BE(5);
    expect(setUp().routeChat(conn, src, dest, read, 3, frame.length)).toBe(expected);
  });

  it('counts as hearing from the peer, as received() does', () => {
    const pings = (effects: ReturnType<ServerCore['tick']>) => effects.filter((e) => e.kind === 'send' && e.conn === S2).length;
    const run = (chatInBetween: boolean) => {
      const core = setUp();
      core.received(S2, decode(pingFrame())); // server 2 has liveness: idle pings go to it
      core.tick(0);
      if (chatInBetween) expect(core.forwardChat(S2, decodeChat(chatMsg(201, 102, 'x'), true))).toBe(B);
      return pings(core.tick(300)); // an interval later
    };
    expect(run(false)).toBe(1); // silent for an interval: pinged
    expect(run(true)).toBe(0); // the chat was life
  });
});
