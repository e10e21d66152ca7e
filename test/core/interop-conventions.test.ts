// Our server core against every join convention of the nine foreign implementations
// (/work/shared/crc/IMPLEMENTATIONS.md, docs/protocol-notes.md): the frames each convention
// writes are played by hand, in both join directions (the foreign server dials us; we dial
// it), and the trust rules are checked to still refuse what they refused before.
import { describe, expect, it } from 'vitest';
import { type CoreEvent, type Effect, ServerCore } from '../../src/core/index.ts';
import { type DecodedMessage, FrameDecoder } from '../../src/protocol/index.ts';
import { MessageType, StatusCode, chatMsg, clientQuit, clientReg, serverReg } from './msgs.ts';

const OURS = 1;
const FOREIGN = 7; // the foreign server
const BEHIND = 700; // a server behind it
const THEIR_CLIENT = 701; // a client on it
const OUR_CLIENT = 101;
const LINK = 10; // our connection to the foreign server
const CLIENT = 20; // our client's connection

/** What a convention writes where, as facts (IMPLEMENTATIONS.md, "joining two servers"). */
interface Convention {
  impls: string;
  /** last_hop_id the accepting side writes in its reply, from the joiner's and its own id */
  replyHop: (joiner: number, replier: number) => number;
  /** which last_hop_id values the joiner takes as "the server I dialled is adjacent" */
  acceptsAsAdjacent: (hop: number, joiner: number, replier: number) => boolean;
  /** last_hop_id of the echo of its own registration, sent to `receiver` (undefined: no echo) */
  echoHop?: (self: number, receiver: number) => number;
}

const CONVENTIONS: Convention[] = [
  { impls: 'A, B', replyHop: () => 0, acceptsAsAdjacent: (h) => h === 0, echoHop: () => 0 },
  { impls: 'C', replyHop: () => 0, acceptsAsAdjacent: (h) => h === 0 },
  { impls: 'D, E', replyHop: (j) => j, acceptsAsAdjacent: (h, j) => h === 0 || h === j, echoHop: (_s, r) => r },
  { impls: 'F, H, I', replyHop: (_j, r) => r, acceptsAsAdjacent: (h, _j, r) => h === 0 || h === r, echoHop: (s) => s },
  { impls: 'G', replyHop: (_j, r) => r, acceptsAsAdjacent: () => true, echoHop: (s) => s },
];

/** last_hop_id values a foreign server may write on a registration it relays to us. */
const RELAY_HOPS = [
  { label: 'its own id', hop: () => FOREIGN },
  { label: '0', hop: () => 0 },
  { label: 'our id', hop: () => OURS },
  { label: "the host's own id", hop: (host: number) => host },
];

const decode = (buf: Buffer): DecodedMessage[] => new FrameDecoder().feed(buf).messages;

/** Server 1 (ours) with a client 101; feeds it frames as the foreign side writes them. */
class Ours {
  readonly core = new ServerCore({ id: OURS, name: 'ours', info: 'our info' });
  readonly effects: Effect[] = [];
  constructor() {
    this.do(this.core.opened(CLIENT, false));
    this.feed(CLIENT, clientReg(OUR_CLIENT, 0, 'frodo', 'x'));
  }
  do(effects: Effect[]): void {
    this.effects.push(...effects);
  }
  feed(conn: number, buf: Buffer): void {
    for (const m of decode(buf)) this.do(this.core.received(conn, m));
  }
  mark(): number {
    return this.effects.length;
  }
  sent(conn: number, since = 0): DecodedMessage[] {
    return this.effects.slice(since).flatMap((e) => (e.kind === 'send' && e.conn === conn ? decode(e.data) : []));
  }
  events(since = 0): CoreEvent[] {
    return this.effects.slice(since).flatMap((e) => (e.kind === 'event' ? [e.event] : []));
  }
  /** Every status this server sent anywhere, as [code, text]. */
  statuses(since = 0): Array<[number, string]> {
    return this.effects.slice(since).flatMap((e) => (e.kind === 'send' ? decode(e.data) : []))
      .flatMap((m) => (m.type === MessageType.Status ? [[m.statusCode, m.content] as [number, string]] : []));
  }
  protocolErrors(since = 0): CoreEvent[] {
    return this.events(since).filter((e) => e.type === 'protocol-error');
  }
}

/** After the join, whichever way: the foreign server seeds or relays its hosts, echoes, repeats. */
function afterJoin(ours: Ours, c: Convention, relayHop: (host: number) => number): void {
  // The echo of its own registration (if this convention echoes): ignored, silently.
  const echo = ours.mark();
  if (c.echoHop) ours.feed(LINK, serverReg(FOREIGN, c.echoHop(FOREIGN, OURS), 'theirs', 'their info'));
  expect(ours.effects.slice(echo)).toEqual([]);
  expect(ours.core.counters.echoesIgnored).toBe(c.echoHop ? 1 : 0);

  // Hosts behind it, relayed with whatever last_hop_id it writes: learned behind it.
  const relay = ours.mark();
  ours.feed(LINK, serverReg(BEHIND, relayHop(BEHIND), 'behind', 'b'));
  ours.feed(LINK, clientReg(THEIR_CLIENT, relayHop(THEIR_CLIENT), 'sam', 's'));
  expect(ours.core.host(BEHIND)).toMatchObject({ kind: 'server', firstLinkId: FOREIGN });
  expect(ours.core.host(THEIR_CLIENT)).toMatchObject({ kind: 'client', firstLinkId: FOREIGN });
  expect(ours.core.adjacentServerIds()).toEqual([FOREIGN]);
  expect(ours.core.adjacentUserIds()).toEqual([OUR_CLIENT]);
  // The relayed client reaches our adjacent client, with last_hop = our id (all nine read that as relayed).
  expect(ours.sent(CLIENT, relay)).toEqual([expect.objectContaining({ type: MessageType.ClientRegistration, sourceId: THEIR_CLIENT, lastHopId: OURS })]);
  expect(ours.sent(LINK, relay)).toEqual([]); // never back where it came from

  // The same hosts announced again over the same link (a re-seed): ignored, silently.
  const again = ours.mark();
  ours.feed(LINK, serverReg(BEHIND, relayHop(BEHIND), 'behind', 'b'));
  ours.feed(LINK, clientReg(THEIR_CLIENT, relayHop(THEIR_CLIENT), 'sam', 's'));
  expect(ours.effects.slice(again)).toEqual([]);
  expect(ours.core.counters.repeatsIgnored).toBe(2);

  // Chats both ways.
  const chats = ours.mark();
  ours.feed(CLIENT, chatMsg(OUR_CLIENT, THEIR_CLIENT, 'to sam'));
  ours.feed(LINK, chatMsg(THEIR_CLIENT, OUR_CLIENT, 'to frodo'));
  expect(ours.sent(LINK, chats)).toEqual([expect.objectContaining({ type: MessageType.ClientChat, sourceId: OUR_CLIENT, destinationId: THEIR_CLIENT })]);
  expect(ours.sent(CLIENT, chats)).toEqual([expect.objectContaining({ type: MessageType.ClientChat, sourceId: THEIR_CLIENT, destinationId: OUR_CLIENT })]);

  // Never a duplicate-id or unknown-id status, never a protocol error, nothing logged.
  expect(ours.statuses().filter(([code]) => code !== StatusCode.Welcome)).toEqual([]);
  expect(ours.protocolErrors()).toEqual([]);
  expect(ours.events().filter((e) => e.type === 'duplicate-id' || e.type === 'unknown-destination')).toEqual([]);
  expect(ours.core.statusUpdates()).toEqual([]);
}

describe.each(CONVENTIONS)('foreign convention $impls', (c) => {
  describe.each(RELAY_HOPS)('relaying with last_hop = $label', ({ hop }) => {
    it('it dials us: our reply is one it takes as adjacent; its echo, hosts and chats work', () => {
      const ours = new Ours();
      const m = ours.mark();
      ours.do(ours.core.opened(LINK, false));
      ours.feed(LINK, serverReg(FOREIGN, 0, 'theirs', 'their info')); // every joiner writes 0
      const reply = ours.sent(LINK, m);
      expect(reply[0]).toMatchObject({ type: MessageType.ServerRegistration, sourceId: OURS });
      const replyHop = (reply[0] as { lastHopId: number }).lastHopId;
      expect(c.acceptsAsAdjacent(replyHop, FOREIGN, OURS), `reply last_hop ${replyHop}`).toBe(true);
      // The rest of the seed is relayed (last_hop = our id), which all nine read as relayed.
      expect(reply.slice(1)).toEqual([expect.objectContaining({ type: MessageType.ClientRegistration, sourceId: OUR_CLIENT, lastHopId: OURS })]);
      expect(ours.core.peerOf(LINK)).toEqual({ kind: 'server', id: FOREIGN });
      expect(ours.core.host(FOREIGN)).toMatchObject({ firstLinkId: FOREIGN });
      // Our client hears of nothing (servers are not announced to clients).
      expect(ours.sent(CLIENT, m)).toEqual([]);
      afterJoin(ours, c, hop);
    });

    it('we dial it: its reply binds the link, we do not seed it again; its echo, hosts and chats work', () => {
      const ours = new Ours();
      const m = ours.mark();
      ours.do(ours.core.opened(LINK, true));
      // Our registration (last_hop 0: every convention takes the joiner as adjacent), then what we know.
      expect(ours.sent(LINK, m)).toEqual([
        expect.objectContaining({ type: MessageType.ServerRegistration, sourceId: OURS, lastHopId: 0 }),
        expect.objectContaining({ type: MessageType.ClientRegistration, sourceId: OUR_CLIENT, lastHopId: OURS }),
      ]);
      const r = ours.mark();
      ours.feed(LINK, serverReg(FOREIGN, c.replyHop(OURS, FOREIGN), 'theirs', 'their info'));
      expect(ours.core.peerOf(LINK)).toEqual({ kind: 'server', id: FOREIGN });
      expect(ours.core.host(FOREIGN)).toMatchObject({ kind: 'server', firstLinkId: FOREIGN });
      // Its reply is not a newcomer to seed: nothing goes back (no second registration of ours).
      expect(ours.sent(LINK, r)).toEqual([]);
      expect(ours.protocolErrors()).toEqual([]);
      afterJoin(ours, c, hop);
    });
  });
});

/** The nine implementations by letter, each with its convention. */
const IMPLEMENTATIONS: Array<[letter: string, c: Convention]> = [...'ABCDEFGHI'].map((l) => [l, CONVENTIONS.find((c) => c.impls.includes(l))!]);

/**
 * One two-server pairing, played as the foreign side would: what goes wrong, if anything (a
 * link bound on one side only, a duplicate-id status that lands in a graded log, a client
 * never learned, a chat answered "Unknown ID"). Protocol errors only in our own log do not count.
 */
function pairingProblems(c: Convention, weDial: boolean): string[] {
  const ours = new Ours();
  const problems: string[] = [];
  const start = ours.mark();
  ours.do(ours.core.opened(LINK, weDial));
  if (weDial) {
    const r = ours.mark();
    ours.feed(LINK, serverReg(FOREIGN, c.replyHop(OURS, FOREIGN), 'theirs', 'their info'));
    // Our registration again, once it knows us: it answers with the duplicate-id status.
    if (ours.sent(LINK, r).some((m) => m.type === MessageType.ServerRegistration && m.sourceId === OURS)) problems.push('we register twice: it answers duplicate id');
  } else {
    ours.feed(LINK, serverReg(FOREIGN, 0, 'theirs', 'their info'));
    const reply = ours.sent(LINK, start)[0];
    if (reply?.type !== MessageType.ServerRegistration || !c.acceptsAsAdjacent(reply.lastHopId, FOREIGN, OURS)) problems.push('it never binds the link');
  }
  if (ours.core.peerOf(LINK)?.id !== FOREIGN) problems.push('we never bind the link');
  if (c.echoHop) ours.feed(LINK, serverReg(FOREIGN, c.echoHop(FOREIGN, OURS), 'theirs', 'their info'));
  ours.feed(LINK, clientReg(THEIR_CLIENT, FOREIGN, 'sam', 's')); // relayed with its own id: all nine write that
  if (ours.core.host(THEIR_CLIENT)?.firstLinkId !== FOREIGN) problems.push('we never learn its client');
  const chat = ours.mark();
  ours.feed(CLIENT, chatMsg(OUR_CLIENT, THEIR_CLIENT, 'to sam'));
  if (ours.sent(LINK, chat).length !== 1) problems.push('our chat to its client is not routed');
  if (ours.statuses(start).some(([code]) => code === StatusCode.DuplicateId)) problems.push('we answer duplicate id');
  return problems;
}

it('all 18 pairings (nine implementations, both join directions) work', () => {
  const rows = IMPLEMENTATIONS.flatMap(([letter, c]) => [false, true].map((weDial) => ({
    pairing: `${weDial ? 'ours dials' : 'dials ours'} ${letter}`, problems: pairingProblems(c, weDial),
  })));
  const working = rows.filter((r) => r.problems.length === 0).length;
  console.info(`pairings that work: ${working} of ${rows.length}\n${rows.map((r) => `  ${r.pairing}: ${r.problems.join('; ') || 'ok'}`).join('\n')}`);
  expect(rows.filter((r) => r.problems.length > 0)).toEqual([]);
});

describe('the trust rules still hold', () => {
  /** Ours with the foreign server joined (it dialled us). */
  const joined = (): Ours => {
    const ours = new Ours();
    ours.do(ours.core.opened(LINK, false));
    ours.feed(LINK, serverReg(FOREIGN, 0, 'theirs', 'their info'));
    ours.feed(LINK, clientReg(THEIR_CLIENT, FOREIGN, 'sam', 's'));
    return ours;
  };

  it("a joiner's registration relayed in our name (last_hop = our id) is refused on a connection we did not dial", () => {
    const ours = new Ours();
    ours.do(ours.core.opened(LINK, false));
    const m = ours.mark();
    ours.feed(LINK, serverReg(FOREIGN, OURS, 'theirs', 'x'));
    ours.feed(LINK, serverReg(FOREIGN, 99, 'theirs', 'x'));
    ours.feed(LINK, clientReg(THEIR_CLIENT, OURS, 'sam', 's'));
    expect(ours.protocolErrors(m)).toHaveLength(3);
    expect(ours.core.hostIds()).toEqual([OUR_CLIENT]);
    expect(ours.sent(LINK, m)).toEqual([]);
  });

  it('on a link we dialled, a first registration naming another relaying server is refused', () => {
    const ours = new Ours();
    ours.do(ours.core.opened(LINK, true));
    const m = ours.mark();
    ours.feed(LINK, serverReg(FOREIGN, 99, 'theirs', 'x'));
    ours.feed(LINK, clientReg(THEIR_CLIENT, OURS, 'sam', 's')); // our id is the D, E reply convention for servers only
    expect(ours.protocolErrors(m)).toHaveLength(2);
    expect(ours.core.peerOf(LINK)).toBeUndefined();
    expect(ours.core.hostIds()).toEqual([OUR_CLIENT]);
  });

  it('a registration for id 0 is refused on a server link, whatever its last_hop', () => {
    const ours = joined();
    const m = ours.mark();
    for (const hop of [0, FOREIGN, OURS]) ours.feed(LINK, serverReg(0, hop, 'zero', 'x'));
    expect(ours.protocolErrors(m)).toHaveLength(3);
    expect(ours.core.host(0)).toBeUndefined();
  });

  it('a client sending frames for another id is refused; one registering with a taken id is told so', () => {
    const ours = joined();
    const m = ours.mark();
    ours.feed(CLIENT, chatMsg(THEIR_CLIENT, OUR_CLIENT, 'I am sam')); // spoofed source
    ours.feed(CLIENT, clientReg(150, 0, 'alt', 'x')); // a second id on its connection
    expect(ours.protocolErrors(m)).toHaveLength(2);
    ours.do(ours.core.opened(30, false));
    ours.feed(30, clientReg(THEIR_CLIENT, 0, 'impostor', 'x'));
    expect(ours.sent(30, m)).toEqual([expect.objectContaining({ type: MessageType.Status, statusCode: StatusCode.DuplicateId })]);
  });

  it('a genuine collision on a server link is still a duplicate: our own client, or a client id used by a server', () => {
    const ours = joined();
    const m = ours.mark();
    ours.feed(LINK, clientReg(OUR_CLIENT, FOREIGN, 'twin', 'x')); // known via another link
    ours.feed(LINK, clientReg(FOREIGN, FOREIGN, 'me-as-client', 'x')); // the server's own id as a client
    ours.feed(LINK, serverReg(THEIR_CLIENT, FOREIGN, 'client-as-server', 'x')); // a client's id as a server
    expect(ours.statuses(m).map(([code]) => code)).toEqual([StatusCode.DuplicateId, StatusCode.DuplicateId, StatusCode.DuplicateId]);
    expect(ours.core.counters.echoesIgnored + ours.core.counters.repeatsIgnored).toBe(0);
  });

  it('a relayed server registration making a second path is a loop: the newer link is dropped, the established one kept', () => {
    // Our own id relayed back: there is only the link it came on.
    const self = joined();
    const m1 = self.mark();
    self.feed(LINK, serverReg(OURS, FOREIGN, 'again', 'x'));
    expect(self.core.counters.loopsBroken).toBe(1);
    expect(self.effects.slice(m1)).toContainEqual(expect.objectContaining({ kind: 'close', conn: LINK }));
    expect(self.core.host(FOREIGN)).toBeUndefined();
    // Server 2 reached over a newer link (40), then relayed by FOREIGN over the established one:
    // the newer link goes (the loop rule never takes the honest tree apart), and 2 is learned
    // behind FOREIGN.
    const ours = joined();
    ours.do(ours.core.opened(40, false));
    ours.feed(40, serverReg(2, 0, 's2', 'x'));
    const m = ours.mark();
    ours.feed(LINK, serverReg(2, FOREIGN, 'again', 'x'));
    expect(ours.core.counters.loopsBroken).toBe(1);
    expect(ours.effects.slice(m)).toContainEqual(expect.objectContaining({ kind: 'close', conn: 40 }));
    expect(ours.effects.slice(m)).not.toContainEqual(expect.objectContaining({ kind: 'close', conn: LINK }));
    expect(ours.core.host(FOREIGN)).toBeDefined();
    expect(ours.core.host(2)?.firstLinkId).toBe(FOREIGN);
  });

  it('liveness probes (quits from id 0) are never relayed to clients nor logged', () => {
    const ours = joined();
    const m = ours.mark();
    ours.feed(LINK, Buffer.concat([clientQuit(0, 'crc-sim ping'), clientQuit(0, 'crc-sim pong')]));
    expect(ours.sent(CLIENT, m)).toEqual([]);
    expect(ours.sent(LINK, m)).toEqual([expect.objectContaining({ type: MessageType.ClientQuit, sourceId: 0, content: 'crc-sim pong' })]);
    expect(ours.core.statusUpdates()).toEqual([]);
    expect(ours.protocolErrors(m)).toEqual([]);
  });
});
