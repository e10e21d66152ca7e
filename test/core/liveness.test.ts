// Liveness in the sans-I/O core, on a fake clock: pings only on idle server links, any frame
// counts as life, a link silent past the timeout is a netsplit with the reason 'ping timeout',
// a peer that never answers (a course server) is probed once and never declared dead, and
// heartbeats are never logged, relayed or counted as errors.
import { describe, expect, it } from 'vitest';
import { type CoreEvent, type Effect, PING_TEXT, PONG_TEXT, ServerCore, pingFrame, pongFrame, resolveLiveness } from '../../src/core/index.ts';
import { type DecodedMessage, FrameDecoder } from '../../src/protocol/index.ts';
import { MessageType, chatMsg, clientQuit, clientReg, serverReg, status } from './msgs.ts';

const INTERVAL = 100;
const TIMEOUT = 400;
const PEER = 10; // server 2's connection
const CLIENT = 20; // client 101's connection

const decode = (buf: Buffer): DecodedMessage[] => new FrameDecoder().feed(buf).messages;

/** Server 1 with liveness, and a harness that feeds it frames and collects what it does. */
class Harness {
  readonly core: ServerCore;
  readonly effects: Effect[] = [];
  constructor(opts = { pingIntervalMs: INTERVAL, pingTimeoutMs: TIMEOUT }) {
    this.core = new ServerCore({ id: 1, name: 's1', info: 'i1' }, opts);
  }
  open(conn: number, outbound = false): void {
    this.effects.push(...this.core.opened(conn, outbound));
  }
  feed(conn: number, buf: Buffer): void {
    for (const m of decode(buf)) this.effects.push(...this.core.received(conn, m));
  }
  tick(now: number): Effect[] {
    const e = this.core.tick(now);
    this.effects.push(...e);
    return e;
  }
  /** Ticks every INTERVAL from `from` to `to` (inclusive). */
  ticks(from: number, to: number): Effect[] {
    const out: Effect[] = [];
    for (let t = from; t <= to; t += INTERVAL) out.push(...this.tick(t));
    return out;
  }
  /** Server 2 registers on PEER (it dialled us); with `answer`, it pongs our first ping. */
  peer(answer: boolean): void {
    this.open(PEER);
    this.feed(PEER, serverReg(2, 0, 's2', 'i2'));
    if (answer) this.feed(PEER, pongFrame());
  }
  client(): void {
    this.open(CLIENT);
    this.feed(CLIENT, clientReg(101, 0, 'a', 'x'));
  }
  mark(): number {
    return this.effects.length;
  }
}

const sent = (effects: Effect[], conn: number): DecodedMessage[] =>
  effects.flatMap((e) => (e.kind === 'send' && e.conn === conn ? decode(e.data) : []));
const isProbe = (m: DecodedMessage, text: string) => m.type === MessageType.ClientQuit && m.sourceId === 0 && m.content === text;
const pings = (effects: Effect[], conn = PEER) => sent(effects, conn).filter((m) => isProbe(m, PING_TEXT));
const events = (effects: Effect[]): CoreEvent[] => effects.flatMap((e) => (e.kind === 'event' ? [e.event] : []));
const closes = (effects: Effect[]) => effects.filter((e) => e.kind === 'close');

describe('liveness in the core (fake clock)', () => {
  it('sends the first ping with its registration (dialling) or right behind it in the seed, then pings only an idle link', () => {
    const h = new Harness();
    h.open(PEER + 1, true);
    // Dialling: our registration, then the probe (a quit from id 0, which a course server ignores).
    expect(sent(h.effects, PEER + 1).map((m) => [m.type, m.sourceId])).toEqual([
      [MessageType.ServerRegistration, 1],
      [MessageType.ClientQuit, 0],
    ]);
    expect(pings(h.effects, PEER + 1)).toHaveLength(1);
    h.open(PEER);
    h.client();
    const m = h.mark();
    h.feed(PEER, serverReg(2, 0, 's2', 'i2'));
    const first = sent(h.effects.slice(m), PEER);
    // Accepting: the seed starts with this server's registration and the probe, then the rest.
    expect(first[0]).toMatchObject({ type: MessageType.ServerRegistration, sourceId: 1 });
    expect(first[1]).toMatchObject({ type: MessageType.ClientQuit, sourceId: 0, content: PING_TEXT });
    expect(first.slice(2).map((f) => f.sourceId)).toEqual([101]);
    expect(pings(h.effects.slice(m))).toHaveLength(1);
    h.feed(PEER, pongFrame());
    h.tick(0);
    // Busy: a relayed client and chats every half interval; never a ping.
    h.feed(PEER, clientReg(103, 2, 'c', 'x'));
    const busy = h.mark();
    for (let t = 50; t <= 1000; t += 50) {
      h.feed(PEER, chatMsg(103, 101, `chat at ${t}`));
      if (t % INTERVAL === 0) h.tick(t);
    }
    expect(pings(h.effects.slice(busy))).toEqual([]);
    // Idle: one ping once a tick finds it silent for an interval, and none more while unanswered.
    const idle = h.mark();
    h.ticks(1100, 1300);
    const p = pings(h.effects.slice(idle));
    expect(p).toHaveLength(1);
    expect(closes(h.effects).filter((e) => e.conn === PEER)).toEqual([]);
  });

  it('an idle link whose peer answers every ping is never declared dead, whichever order the first answer and tick come in', () => {
    for (const pongFirst of [true, false]) {
      const h = new Harness();
      h.peer(pongFirst);
      h.tick(0);
      if (!pongFirst) h.feed(PEER, pongFrame());
      let answered = 0;
      for (let t = INTERVAL; t <= 10_000; t += INTERVAL) {
        for (const _ of pings(h.tick(t))) {
          h.feed(PEER, pongFrame());
          answered++;
        }
      }
      expect(closes(h.effects)).toEqual([]);
      // One ping per idle interval and its answer: a ping every second tick.
      expect(answered).toBeGreaterThanOrEqual(10_000 / INTERVAL / 2 - 1);
    }
  });

  it('any frame is life: a pong, a chat or a registration each push death back by a full timeout', () => {
    const h = new Harness();
    h.peer(true);
    h.client();
    h.tick(0);
    const frames = [pongFrame(), chatMsg(2, 101, 'from the server itself'), clientReg(104, 2, 'd', 'x')];
    let t = 0;
    for (const f of frames) {
      h.ticks(t + INTERVAL, t + TIMEOUT - INTERVAL); // silent, but not for a whole timeout
      t += TIMEOUT - INTERVAL;
      h.feed(PEER, f);
    }
    h.ticks(t + INTERVAL, t + TIMEOUT - INTERVAL);
    expect(closes(h.effects)).toEqual([]);
    expect(events(h.effects).filter((e) => e.type === 'link-dead')).toEqual([]);
  });

  it('a link silent past the timeout is dead: split off (reason "ping timeout") and closed at once', () => {
    const h = new Harness();
    h.peer(true);
    h.client();
    h.feed(PEER, serverReg(3, 2, 's3', 'i3'));
    h.feed(PEER, clientReg(103, 2, 'c', 'x'));
    h.tick(0);
    const before = h.ticks(INTERVAL, TIMEOUT - INTERVAL);
    expect(closes(before)).toEqual([]);
    const dead = h.tick(TIMEOUT);
    expect(events(dead)).toEqual([
      { type: 'link-dead', conn: PEER, peerId: 2, reason: 'ping timeout', silentMs: TIMEOUT },
      { type: 'host-forgotten', id: 2, kind: 'server', reason: 'netsplit' },
      { type: 'host-forgotten', id: 3, kind: 'server', reason: 'netsplit' },
      { type: 'host-forgotten', id: 103, kind: 'client', reason: 'netsplit' },
      { type: 'link-down', conn: PEER, peerId: 2, kind: 'server', lost: 3 },
    ]);
    expect(closes(dead)).toEqual([{ kind: 'close', conn: PEER, reason: 'ping timeout', abort: true }]);
    // This side is told: the client hears its far neighbour quit.
    expect(sent(dead, CLIENT)).toEqual([expect.objectContaining({ type: MessageType.ClientQuit, sourceId: 103 })]);
    expect(h.core.hostIds()).toEqual([101]);
    // The socket closing afterwards changes nothing more, and nothing on it is believed.
    expect(h.core.closed(PEER)).toEqual([]);
    expect(h.core.received(PEER, decode(clientReg(105, 2, 'e', 'x'))[0]!)).toEqual([]);
    expect(h.ticks(TIMEOUT + INTERVAL, 2000)).toEqual([]);
  });

  it('a late thread is not a dead peer: a tick that ran late defers the verdict, and recent lateness widens the timeout', () => {
    const lateDeath = (lates: Record<number, number>) => {
      const h = new Harness();
      h.peer(true);
      for (let t = 0; t <= 2000; t += INTERVAL) {
        const dead = events(h.core.tick(t, lates[t] ?? 0)).find((e) => e.type === 'link-dead');
        if (dead) return { at: t, deferred: h.core.livenessDeferred };
      }
      return undefined;
    };
    // On time: dead at exactly the timeout.
    expect(lateDeath({})).toEqual({ at: TIMEOUT, deferred: 0 });
    // The tick at the timeout itself ran 60 ms late (over half an interval): what the peer sent
    // may still be unread, so no verdict then; the next tick's silence is past timeout + 60.
    expect(lateDeath({ [TIMEOUT]: 60 })).toEqual({ at: TIMEOUT + INTERVAL, deferred: 1 });
    // A tick ran 150 ms late within the last timeout: silence must pass 400 + 150 ms.
    expect(lateDeath({ 200: 150 })).toEqual({ at: 600, deferred: 2 });
    // Lateness older than a timeout no longer counts.
    expect(lateDeath({ 0: 40 })).toEqual({ at: TIMEOUT, deferred: 0 });
  });

  it("a late peer is not a dead one: the host's other threads' lateness counts twice (a ping's way there and back)", () => {
    // Every tick on time (this thread is not late); the driver says how late the host's other
    // threads were over the last timeout: the peer's, and the one running the link's proxy.
    const deathWith = (hostLateMs: number) => {
      const h = new Harness();
      h.peer(true);
      for (let t = 0; t <= 3000; t += INTERVAL) {
        const dead = events(h.core.tick(t, 0, hostLateMs)).find((e) => e.type === 'link-dead');
        if (dead) return { at: t, deferred: h.core.livenessDeferred };
      }
      return undefined;
    };
    expect(deathWith(0)).toEqual({ at: TIMEOUT, deferred: 0 });
    // 150 ms late elsewhere: silence must reach 400 + 2 x 150 ms (quit-during-load's false
    // netsplit: 1,026 ms of silence, timeout 1 s, the peer's thread up to 382 ms late).
    expect(deathWith(150)).toEqual({ at: 700, deferred: 3 });
    // A dead peer is still found: later, never not at all.
    expect(deathWith(1000)).toEqual({ at: 2400, deferred: 20 });
  });

  it('a verdict held back only by the lateness margin asks to be looked at again when the margin has passed, not a whole interval later', () => {
    const h = new Harness();
    h.peer(true);
    let recheck: number | undefined;
    for (let t = 0; t <= TIMEOUT; t += INTERVAL) {
      h.core.tick(t, 0, 5); // a host 5 ms late: the margin is 10 ms
      recheck = h.core.livenessRecheckAt;
    }
    // Silent a timeout at the tick at TIMEOUT: deferred by the 10 ms margin, to be looked at again then.
    expect(recheck).toBe(TIMEOUT + 10);
    expect(events(h.core.tick(TIMEOUT + 10, 0, 5)).some((e) => e.type === 'link-dead')).toBe(true);
    expect(h.core.livenessRecheckAt).toBeUndefined();
  });

  it('silence on a link whose reads the driver held (back-pressure) is not a dead peer', () => {
    const h = new Harness();
    h.peer(true);
    h.tick(0);
    // Reads held all along: what the peer sent waits in the kernel; never dead.
    for (let t = INTERVAL; t <= 3 * TIMEOUT; t += INTERVAL) {
      h.core.notReading(PEER);
      expect(events(h.tick(t)).filter((e) => e.type === 'link-dead'), `at ${t}`).toEqual([]);
    }
    // Reads flowing again and the peer silent: dead a timeout later.
    const from = 3 * TIMEOUT;
    const dead = h.ticks(from + INTERVAL, from + TIMEOUT);
    expect(events(dead).filter((e) => e.type === 'link-dead')).toHaveLength(1);
  });

  it('a peer that never answers (a course server) is probed once, noted once, and never declared dead', () => {
    const h = new Harness();
    h.peer(false);
    h.tick(0);
    const all = h.ticks(INTERVAL, 60_000);
    expect(events(all)).toEqual([{ type: 'no-liveness', conn: PEER, peerId: 2 }]);
    expect(pings(h.effects)).toHaveLength(1); // the first, at registration
    expect(closes(h.effects)).toEqual([]);
    expect(h.core.hostIds()).toEqual([2]);
  });

  it('a peer that relays traffic but never answers is not judged until it falls silent for a timeout', () => {
    const h = new Harness();
    h.peer(false);
    h.client();
    h.feed(PEER, clientReg(103, 2, 'c', 'x'));
    h.tick(0);
    for (let t = INTERVAL; t <= 2000; t += INTERVAL) {
      h.feed(PEER, chatMsg(103, 101, `at ${t}`));
      h.tick(t);
    }
    expect(events(h.effects).filter((e) => e.type === 'no-liveness')).toEqual([]);
    const quiet = h.ticks(2100, 2000 + TIMEOUT + INTERVAL);
    expect(events(quiet)).toEqual([{ type: 'no-liveness', conn: PEER, peerId: 2 }]);
    expect(pings(h.effects)).toHaveLength(1);
  });

  it('a peer whose first ping came with its registration is found dead even if it falls silent at once', () => {
    const h = new Harness();
    h.open(PEER);
    h.feed(PEER, Buffer.concat([serverReg(2, 0, 's2', 'i2'), pingFrame()]));
    const all = h.ticks(0, 2 * TIMEOUT);
    expect(events(all).map((e) => e.type)).toContain('link-dead');
    expect(events(all).map((e) => e.type)).not.toContain('no-liveness');
  });

  it('a peer noted as without liveness that pings later is watched again', () => {
    const h = new Harness();
    h.peer(false);
    h.ticks(0, 1000);
    expect(events(h.effects).filter((e) => e.type === 'no-liveness')).toHaveLength(1);
    h.feed(PEER, pingFrame());
    expect(sent(h.effects, PEER).at(-1)).toMatchObject({ type: MessageType.ClientQuit, sourceId: 0, content: PONG_TEXT });
    const later = h.ticks(1100, 1100 + TIMEOUT + INTERVAL);
    expect(events(later).find((e) => e.type === 'link-dead')).toMatchObject({ peerId: 2, reason: 'ping timeout' });
  });

  it('heartbeats are never logged, relayed or counted as errors; pings are answered with liveness off too', () => {
    for (const opts of [{ pingIntervalMs: INTERVAL, pingTimeoutMs: TIMEOUT }, { pingIntervalMs: 0, pingTimeoutMs: 0 }]) {
      const h = new Harness(opts);
      h.peer(true);
      h.client();
      h.feed(PEER, serverReg(3, 2, 's3', 'i3'));
      const m = h.mark();
      h.feed(PEER, pingFrame());
      const answer = h.effects.slice(m);
      expect(answer.map((e) => e.kind)).toEqual(['send']);
      expect(sent(answer, PEER)).toEqual([expect.objectContaining({ type: MessageType.ClientQuit, sourceId: 0, content: PONG_TEXT })]);
      expect(Buffer.concat(answer.map((e) => (e.kind === 'send' ? e.data : Buffer.alloc(0))))).toEqual(clientQuit(0, 'crc-sim pong'));
      const rest = h.mark();
      h.feed(PEER, pongFrame()); // no answer to a pong
      h.feed(PEER, clientQuit(0, 'something else')); // a quit for id 0: nobody to forget
      h.feed(CLIENT, pingFrame()); // from a client: not a server link
      h.open(30);
      h.feed(30, pingFrame()); // unregistered
      expect(h.effects.slice(rest)).toEqual([]);
      expect(h.core.statusUpdates()).toEqual([]);
      expect(h.core.hostIds().sort((a, b) => a - b)).toEqual([2, 3, 101]);
      expect(h.core.counters.statusesRejected).toBe(0);
    }
  });

  it('with liveness off, nothing is pinged and tick() does nothing', () => {
    const h = new Harness({ pingIntervalMs: 0, pingTimeoutMs: 0 });
    h.peer(false);
    h.open(40, true);
    expect(pings(h.effects)).toEqual([]);
    expect(h.ticks(0, 10_000)).toEqual([]);
    expect(h.core.livenessSettings).toEqual({ intervalMs: 0, timeoutMs: 0 });
  });

  it('a link this server dialled whose peer does not register in time is closed ("join timeout"): silent or refusing', () => {
    const h = new Harness();
    h.open(40, true); // silent
    h.open(41, true);
    h.feed(41, status(9, 0, 2, 'A machine has already registered with ID 1')); // refused
    h.open(42, true);
    h.feed(42, serverReg(9, 9, 's9', 'i9')); // registers: watched as a server link from now on
    h.feed(42, pongFrame());
    h.tick(0);
    for (let t = INTERVAL; t < TIMEOUT; t += INTERVAL) {
      h.feed(42, pingFrame());
      expect(h.tick(t).filter((e) => e.kind !== 'send')).toEqual([]);
    }
    const gone = h.ticks(TIMEOUT, TIMEOUT);
    expect(events(gone)).toEqual([
      { type: 'link-dead', conn: 40, peerId: 0, reason: 'join timeout', silentMs: TIMEOUT },
      { type: 'link-dead', conn: 41, peerId: 0, reason: 'join timeout', silentMs: TIMEOUT },
    ]);
    expect(closes(gone)).toEqual([
      { kind: 'close', conn: 40, reason: 'join timeout', abort: true },
      { kind: 'close', conn: 41, reason: 'join timeout', abort: true },
    ]);
    expect(h.core.statusUpdates()).toEqual(['A machine has already registered with ID 1']);
    expect(h.core.adjacentServerIds()).toEqual([9]);
  });

  it('a late tick (this thread was stalled) declares nothing dead; the next one on time does', () => {
    const h = new Harness();
    h.peer(true);
    h.tick(0);
    h.tick(INTERVAL);
    const late = h.tick(INTERVAL + 3 * TIMEOUT);
    expect(closes(late)).toEqual([]);
    const next = h.tick(2 * INTERVAL + 3 * TIMEOUT);
    expect(closes(next)).toEqual([{ kind: 'close', conn: PEER, reason: 'ping timeout', abort: true }]);
  });

  it('resolveLiveness: off by default, timeout four intervals unless given, and checked', () => {
    expect(resolveLiveness()).toEqual({ intervalMs: 0, timeoutMs: 0 });
    expect(resolveLiveness(250)).toEqual({ intervalMs: 250, timeoutMs: 1000 });
    expect(resolveLiveness(250, 600)).toEqual({ intervalMs: 250, timeoutMs: 600 });
    expect(() => resolveLiveness(250, 400)).toThrow(/at least twice/);
    expect(() => resolveLiveness(0, 1000)).toThrow(/needs pingIntervalMs/);
    expect(() => resolveLiveness(-5)).toThrow(/positive/);
    expect(() => new ServerCore({ id: 1, name: 'x', info: '' }, { pingIntervalMs: 100, pingTimeoutMs: 100 })).toThrow(/at least twice/);
  });
});
