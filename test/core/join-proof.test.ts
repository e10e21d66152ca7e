// The announce rule in the sans-I/O core (join-proof.ts): a joiner that can prove its link (it
// pings right behind its registration, as ours does) is announced to the rest of the network
// only after its first pong, with everything it brought; its departure is not announced if it
// never was. A joiner that cannot (no ping: every course implementation) is announced at once:
// when the read that brought its registration ends, or at the next frame, or the next tick.
import { describe, expect, it } from 'vitest';
import { type Effect, ServerCore, pingFrame, pongFrame } from '../../src/core/index.ts';
import { type DecodedMessage, FrameDecoder } from '../../src/protocol/index.ts';
import { MessageType, clientReg, serverReg } from './msgs.ts';

const OTHER = 10; // server 3, adjacent to us (it dialled us earlier)
const JOINER = 11; // server 2, dialling us now
const CLIENT = 20; // client 101, ours

const decode = (buf: Buffer): DecodedMessage[] => new FrameDecoder().feed(buf).messages;

/** Server 1 (liveness on) with server 3 and client 101 adjacent; server 2 about to join. */
function server1(liveness = true) {
  const core = new ServerCore({ id: 1, name: 's1', info: 'i1' }, liveness ? { pingIntervalMs: 100, pingTimeoutMs: 400 } : {});
  const effects: Effect[] = [];
  const feed = (conn: number, buf: Buffer) => {
    for (const m of decode(buf)) effects.push(...core.received(conn, m));
  };
  core.opened(OTHER, false);
  feed(OTHER, Buffer.concat([serverReg(3, 0, 's3', 'i3'), pongFrame()]));
  core.opened(CLIENT, false);
  feed(CLIENT, clientReg(101, 0, 'a', 'x'));
  effects.length = 0;
  core.opened(JOINER, false);
  /** Registrations sent to `conn` since the mark, as source ids. */
  const announced = (conn: number, from = 0) => effects.slice(from).flatMap((e) => (e.kind === 'send' && e.conn === conn ? decode(e.data) : []))
    .filter((m) => m.type === MessageType.ServerRegistration || m.type === MessageType.ClientRegistration || m.type === MessageType.ServerQuit || m.type === MessageType.ClientQuit && m.sourceId !== 0)
    .map((m) => `${m.type === MessageType.ServerQuit || m.type === MessageType.ClientQuit ? 'quit' : 'reg'} ${m.sourceId}`);
  return { core, effects, feed, announced };
}

describe('a joiner is announced once its link is proven both ways', () => {
  it('ours (a ping behind its registration): held until its first pong, then announced with what it brought', () => {
    const s = server1();
    // One read: the registration, its ping, and the host it knows (client 102 behind it).
    s.feed(JOINER, Buffer.concat([serverReg(2, 0, 's2', 'i2'), pingFrame(), clientReg(102, 2, 'b', 'x')]));
    s.effects.push(...s.core.readDone(JOINER));
    expect(s.core.knownHosts().map((h) => h.id).sort((a, b) => a - b)).toEqual([2, 3, 101, 102]); // we learned them
    expect(s.announced(OTHER)).toEqual([]); // the rest did not
    expect(s.announced(CLIENT)).toEqual([]);
    expect(s.core.tick(1000).length).toBeGreaterThanOrEqual(0); // a tick does not release it either
    expect(s.announced(OTHER)).toEqual([]);
    const mark = s.effects.length;
    s.feed(JOINER, pongFrame());
    expect(s.announced(OTHER, mark)).toEqual(['reg 2', 'reg 102']);
    expect(s.announced(CLIENT, mark)).toEqual(['reg 102']); // clients hear of clients only
    // From now on what it relays goes on at once.
    s.feed(JOINER, clientReg(103, 2, 'c', 'x'));
    expect(s.announced(OTHER, mark)).toEqual(['reg 2', 'reg 102', 'reg 103']);
  });

  it('a newcomer\'s seed leaves out a held joiner, which it learns with the rest once proven', () => {
    const s = server1();
    s.feed(JOINER, Buffer.concat([serverReg(2, 0, 's2', 'i2'), pingFrame(), clientReg(102, 2, 'b', 'x')]));
    const NEWCOMER = 12;
    s.core.opened(NEWCOMER, false);
    s.feed(NEWCOMER, serverReg(4, 0, 's4', 'i4'));
    const seed = s.effects.flatMap((e) => (e.kind === 'send' && e.conn === NEWCOMER ? decode(e.data) : e.kind === 'stream' && e.conn === NEWCOMER ? [...e.frames].flatMap(decode) : []))
      .filter((m) => m.type === MessageType.ServerRegistration || m.type === MessageType.ClientRegistration).map((m) => m.sourceId);
    expect(seed.sort((a, b) => a - b)).toEqual([1, 3, 101]); // us, s3, our client: not s2 nor 102
    const mark = s.effects.length;
    s.feed(JOINER, pongFrame());
    expect(s.announced(NEWCOMER, mark)).toEqual(['reg 2', 'reg 102']);
  });

  it('a held joiner that goes is not announced going either', () => {
    const s = server1();
    s.feed(JOINER, Buffer.concat([serverReg(2, 0, 's2', 'i2'), pingFrame(), clientReg(102, 2, 'b', 'x')]));
    s.effects.push(...s.core.closed(JOINER));
    expect(s.core.knownHosts().map((h) => h.id).sort((a, b) => a - b)).toEqual([3, 101]);
    expect(s.announced(OTHER)).toEqual([]);
    expect(s.announced(CLIENT)).toEqual([]);
  });

  it('a course joiner (no ping): announced when the read that brought its registration ends', () => {
    const s = server1();
    s.feed(JOINER, serverReg(2, 0, 's2', 'i2'));
    s.effects.push(...s.core.readDone(JOINER));
    expect(s.announced(OTHER)).toEqual(['reg 2']);
    s.feed(JOINER, clientReg(102, 2, 'b', 'x'));
    expect(s.announced(OTHER)).toEqual(['reg 2', 'reg 102']);
    expect(s.core.joinsHeld).toBe(false);
  });

  it('a course joiner: at its next frame, or at the next tick, with a driver that does not report reads', () => {
    const s = server1();
    s.feed(JOINER, Buffer.concat([serverReg(2, 0, 's2', 'i2'), clientReg(102, 2, 'b', 'x')]));
    expect(s.announced(OTHER)).toEqual(['reg 2', 'reg 102']);
    const t = server1();
    t.feed(JOINER, serverReg(2, 0, 's2', 'i2'));
    expect(t.announced(OTHER)).toEqual([]);
    t.effects.push(...t.core.tick(50));
    expect(t.announced(OTHER)).toEqual(['reg 2']);
  });

  it('with liveness off nothing is held (no ping was sent to be answered)', () => {
    const s = server1(false);
    s.feed(JOINER, serverReg(2, 0, 's2', 'i2'));
    expect(s.announced(OTHER)).toEqual(['reg 2']);
    expect(s.core.joinsHeld).toBe(false);
  });
});
