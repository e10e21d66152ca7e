// The chat fast path (ServerCore.forwardChat) against the full rules (received()): it names
// a connection exactly when received() would do nothing but forward the frame's bytes there.
import { describe, expect, it } from 'vitest';
import { ServerCore } from '../../src/core/index.ts';
import { pingFrame } from '../../src/core/liveness.ts';
import { type ClientChatMessage, type DecodedMessage, FrameDecoder, MessageType } from '../../src/protocol/index.ts';
import { chatMsg, clientQuit, clientReg, serverQuit, serverReg } from './msgs.ts';

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

  // routeChat() remembers its recent answers (chat-routes.ts): each must hold only while the
  // host table and the peer are as they were when it was worked out.
  describe('remembered routes', () => {
    const route = (core: ServerCore, conn: number, frame: Buffer) => core.routeChat(conn, frame.readUInt32BE(1), frame.readUInt32BE(5), frame, 0, frame.length);

    it.each(cases)('the same answer the second time, and after every other case: $what', ({ conn, frame, expected }) => {
      const core = setUp();
      expect(route(core, conn, frame)).toBe(expected);
      expect(route(core, conn, frame)).toBe(expected);
      for (const c of cases) route(core, c.conn, c.frame);
      expect(route(core, conn, frame)).toBe(expected);
    });

    it('still checks the text of every chat handed to our client, not only the first of its pair', () => {
      const core = setUp();
      expect(route(core, S2, chatMsg(201, 101, 'héllo'))).toBe(A);
      expect(route(core, S2, badChat(201, 101))).toBeUndefined();
      expect(route(core, S2, chatMsg(201, 101, 'ok'))).toBe(A);
    });

    it('a destination that quit is unknown at once', () => {
      const core = setUp();
      expect(route(core, A, chatMsg(101, 201, 'x'))).toBe(S2);
      core.received(S2, decode(clientQuit(201, 'bye'), true));
      expect(route(core, A, chatMsg(101, 201, 'x'))).toBeUndefined();
    });

    it('a destination that comes back on another connection is reached there', () => {
      const core = setUp();
      expect(route(core, S2, chatMsg(201, 102, 'x'))).toBe(B);
      core.received(B, decode(clientQuit(102, 'bye')));
      core.closed(B);
      const B2 = 9;
      core.opened(B2, false);
      core.received(B2, decode(clientReg(102, 0, 'b', 'x')));
      expect(route(core, S2, chatMsg(201, 102, 'x'))).toBe(B2);
    });

    it('a source whose server link went is no longer believed on it', () => {
      const core = setUp();
      expect(route(core, S2, chatMsg(201, 101, 'x'))).toBe(A);
      core.received(S2, decode(serverQuit(2, 0, 'gone'), true));
      expect(route(core, S2, chatMsg(201, 101, 'x'))).toBeUndefined();
    });

    it('a client that quit cannot go on sending on its connection', () => {
      const core = setUp();
      expect(route(core, A, chatMsg(101, 102, 'x'))).toBe(B);
      core.received(A, decode(clientQuit(101, 'bye')));
      expect(route(core, A, chatMsg(101, 102, 'x'))).toBeUndefined();
    });

    it('many pairs at once (more than it remembers) each get their own answer', () => {
      const core = setUp();
      // 200 clients behind server 2, each chatting with 101 and 102 in turn.
      for (let i = 0; i < 200; i++) core.received(S2, decode(clientReg(300 + i, 2, `c${i}`, 'x'), true));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 200; i++) {
          expect(route(core, S2, chatMsg(300 + i, 101, 'x'))).toBe(A);
          expect(route(core, S2, chatMsg(300 + i, 102, 'x'))).toBe(B);
          expect(route(core, A, chatMsg(101, 300 + i, 'x'))).toBe(S2);
        }
      }
    });
  });
});
