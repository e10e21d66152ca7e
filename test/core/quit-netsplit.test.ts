// Client quit, client disconnect without quit, netsplit and re-join.
import { describe, expect, it } from 'vitest';
import { MemoryNet } from '../../src/memory/net.ts';
import { branchedTree, build, framesHex, sortedIds } from './helpers.ts';
import { MessageType, StatusCode, clientQuit, hexes, status } from './msgs.ts';

const MODES = [
  { label: 'whole frames', chunkSeed: undefined },
  { label: 'random chunks (seed 3)', chunkSeed: 3 },
  { label: 'random chunks (seed 777)', chunkSeed: 777 },
] as const;

function expectNoProtocolErrors(net: MemoryNet): void {
  const bad = net.events.filter((e) => e.event.type === 'protocol-error' || e.event.type === 'duplicate-id');
  expect(bad).toEqual([]);
}

/** Everyone knows every other host (servers: all hosts but itself; clients: all other clients). */
function expectFullKnowledge(net: MemoryNet): void {
  const serverIds = net.servers().map((s) => s.id);
  const clientIds = net.clients().filter((c) => c.core.connected).map((c) => c.id);
  for (const s of net.servers()) {
    expect(sortedIds(s.core.hostIds()), s.name).toEqual(sortedIds([...serverIds, ...clientIds].filter((id) => id !== s.id)));
  }
  for (const c of net.clients()) {
    if (!c.core.connected) continue;
    expect(sortedIds(c.core.connectedUserIds()), c.name).toEqual(sortedIds(clientIds.filter((id) => id !== c.id)));
  }
}

describe.each(MODES)('client quit — $label', ({ chunkSeed }) => {
  it('propagates to every server and client exactly once, unchanged, and everyone forgets the client', () => {
    const net = branchedTree(chunkSeed);
    expectFullKnowledge(net);
    const m = net.mark();
    const ev = net.eventMark();
    const text = '"Leaving for the Undying Lands"';
    net.quit('d', text);
    const quits = net.trace.slice(m).filter((f) => f.msg.type === MessageType.ClientQuit);
    for (const f of quits) expect(f.raw.toString('hex')).toBe(clientQuit(104, text).toString('hex'));
    const received = quits.map((f) => f.to).sort();
    expect(received).toEqual(['a', 'b', 'c', 'e', 's1', 's2', 's3', 's4']);
    // never sent back toward where it came from
    expect(quits.map((f) => `${f.from}>${f.to}`).sort()).toEqual(
      ['d>s3', 's3>s2', 's2>c', 's2>s1', 's1>a', 's1>b', 's1>s4', 's4>e'].sort(),
    );
    for (const s of net.servers()) {
      expect(s.core.hostIds(), s.name).not.toContain(104);
      expect(s.core.adjacentUserIds(), s.name).not.toContain(104);
      expect(net.eventsOf(s.name, ev), s.name).toContainEqual({ type: 'host-forgotten', id: 104, kind: 'client', reason: 'quit' });
    }
    for (const c of net.clients()) if (c.name !== 'd') expect(c.core.knows(104), c.name).toBe(false);
    expect(net.client('d').core.hasQuit).toBe(true);
    // the quitting client's own view is frozen as it was
    expect(sortedIds(net.client('d').core.connectedUserIds())).toEqual([101, 102, 103, 105]);
    expectFullKnowledge(net);
    expectNoProtocolErrors(net);
  });

  it('a second quit for the now unknown client is not forwarded (no loop)', () => {
    const net = branchedTree(chunkSeed);
    net.quit('d', 'bye');
    const replay = clientQuit(104, 'bye');
    for (const [from, to] of [['s2', 's1'], ['s1', 's2'], ['s1', 's4'], ['s3', 's2']] as const) {
      const m = net.mark();
      net.inject(from, to, replay);
      expect(net.framesFrom(to, m), `${from} -> ${to}`).toEqual([]);
    }
    expectFullKnowledge(net);
  });

  it('after a quit, a chat to that client gets Unknown ID', () => {
    const net = branchedTree(chunkSeed);
    net.quit('d');
    const m = net.mark();
    net.chat('e', 104, 'hello?');
    expect(framesHex(net, 's4', 'e', m)).toEqual(hexes([status(4, 0, StatusCode.UnknownId, 'Unknown ID 104')]));
    expect(net.frames('s4', 's1', m)).toEqual([]);
  });

  it('a disconnect without quit is treated as a quit with empty content', () => {
    const net = branchedTree(chunkSeed);
    const m = net.mark();
    const ev = net.eventMark();
    net.disconnect('e');
    const quits = net.trace.slice(m).filter((f) => f.msg.type === MessageType.ClientQuit);
    for (const f of quits) expect(f.raw.toString('hex')).toBe(clientQuit(105, '').toString('hex'));
    expect(quits.map((f) => f.to).sort()).toEqual(['a', 'b', 'c', 'd', 's1', 's2', 's3']);
    expect(net.eventsOf('s4', ev)).toContainEqual({ type: 'host-forgotten', id: 105, kind: 'client', reason: 'disconnect' });
    expect(net.server('s4').core.adjacentUserIds()).toEqual([]);
    for (const s of net.servers()) expect(s.core.hostIds(), s.name).not.toContain(105);
    for (const c of net.clients()) if (c.name !== 'e') expect(c.core.knows(105), c.name).toBe(false);
    expectNoProtocolErrors(net);
  });

  it('a client refused as a duplicate that then disconnects does not make anyone forget the real holder of the id', () => {
    const net = branchedTree(chunkSeed);
    net.addClient(103, 'gollum', 'x', 's4');
    expect(net.client('gollum').core.statusUpdates()).toEqual(['Someone has already registered with ID 103']);
    const m = net.mark();
    net.disconnect('gollum');
    expect(net.trace.slice(m)).toEqual([]);
    expectFullKnowledge(net);
    expect(net.client('a').core.knows(103)).toBe(true);
  });
});

/**
 * Side X: s1 (a), s4 (d) joined s1, s5 (e) joined s4.
 * Side Y: s2 (b) joined s1, s3 (c) joined s2.
 */
const splitTree = (chunkSeed: number | undefined): MemoryNet =>
  build(new MemoryNet({ chunkSeed }), [[1], [2, 1], [3, 2], [4, 1], [5, 4]], [[101, 'a', 1], [102, 'b', 2], [103, 'c', 3], [104, 'd', 4], [105, 'e', 5]]);

const X = { servers: [1, 4, 5], clients: [101, 104, 105] };
const Y = { servers: [2, 3], clients: [102, 103] };

describe.each(MODES)('netsplit — $label', ({ chunkSeed }) => {
  it('cutting a link makes both sides, all the way out, forget everything behind it', () => {
    const net = splitTree(chunkSeed);
    expectFullKnowledge(net);
    const m = net.mark();
    const ev = net.eventMark();
    net.cut('s1', 's2');
    // each server knows exactly its own side
    for (const [side, other] of [[X, Y], [Y, X]] as const) {
      for (const sid of side.servers) {
        const s = net.server(sid);
        expect(sortedIds(s.core.hostIds()), s.name).toEqual(sortedIds([...side.servers, ...side.clients].filter((id) => id !== sid)));
        for (const id of [...other.servers, ...other.clients]) expect(s.core.routeTo(id), `${s.name} route to ${id}`).toBeUndefined();
      }
      for (const cid of side.clients) {
        const c = net.client(cid);
        expect(sortedIds(c.core.connectedUserIds()), c.name).toEqual(side.clients.filter((id) => id !== cid));
      }
    }
    expect(net.server('s1').core.adjacentServerIds()).toEqual([4]);
    expect(net.server('s2').core.adjacentServerIds()).toEqual([3]);
    // the rest of each side was told: 0x02 for servers, 0x82 for clients, each once
    const told = (to: string) => net.framesTo(to, m).map((f) => `${f.msg.type}:${f.msg.sourceId}`).sort();
    const expectTold = (servers: number[], clients: number[]) =>
      [...servers.map((id) => `${MessageType.ServerQuit}:${id}`), ...clients.map((id) => `${MessageType.ClientQuit}:${id}`)].sort();
    expect(told('s4')).toEqual(expectTold(Y.servers, Y.clients));
    expect(told('s5')).toEqual(expectTold(Y.servers, Y.clients));
    expect(told('s3')).toEqual(expectTold(X.servers, X.clients));
    expect(told('a')).toEqual(expectTold([], Y.clients));
    expect(told('e')).toEqual(expectTold([], Y.clients));
    expect(told('c')).toEqual(expectTold([], X.clients));
    // client quits carry empty content; relayed frames are unchanged hop to hop
    for (const f of net.trace.slice(m)) {
      if (f.msg.type === MessageType.ClientQuit) expect(f.msg.content).toBe('');
    }
    for (const id of Y.servers) {
      const hop1 = net.frames('s1', 's4', m).find((f) => f.msg.sourceId === id)!;
      const hop2 = net.frames('s4', 's5', m).find((f) => f.msg.sourceId === id)!;
      expect(hop2.raw.toString('hex')).toBe(hop1.raw.toString('hex'));
      expect(hop1.msg.type === MessageType.ServerQuit && hop1.msg.replacementId).toBe(0);
    }
    // nothing crossed the cut link, nothing went back toward it
    expect(net.frames('s1', 's2', m)).toEqual([]);
    expect(net.frames('s2', 's1', m)).toEqual([]);
    expect(net.frames('s4', 's1', m)).toEqual([]);
    expect(net.frames('s3', 's2', m)).toEqual([]);
    // events
    expect(net.eventsOf('s1', ev)).toContainEqual(expect.objectContaining({ type: 'link-down', peerId: 2, kind: 'server', lost: 4 }));
    expect(net.eventsOf('s2', ev)).toContainEqual(expect.objectContaining({ type: 'link-down', peerId: 1, kind: 'server', lost: 6 }));
    expect(net.eventsOf('s1', ev)).toContainEqual({ type: 'host-forgotten', id: 3, kind: 'server', reason: 'netsplit' });
    expect(net.eventsOf('s4', ev)).toContainEqual({ type: 'host-forgotten', id: 3, kind: 'server', reason: 'server-quit' });
    expect(net.eventsOf('s4', ev)).toContainEqual({ type: 'host-forgotten', id: 103, kind: 'client', reason: 'quit' });
    expectNoProtocolErrors(net);
    // clients never see server quits
    for (const c of net.clients()) {
      expect(net.framesTo(c.name).some((f) => f.msg.type === MessageType.ServerQuit), c.name).toBe(false);
    }
    // a chat across the split now gets Unknown ID from the sender's own server
    const m2 = net.mark();
    net.chat('e', 103, 'hello?');
    expect(framesHex(net, 's5', 'e', m2)).toEqual(hexes([status(5, 0, StatusCode.UnknownId, 'Unknown ID 103')]));
  });

  it('re-joining the same link (outbound from the child) converges back to everyone knowing everyone', () => {
    const net = splitTree(chunkSeed);
    const before = Object.fromEntries(net.servers().map((s) => [s.name, s.core.knownHosts().map((h) => [h.id, h.firstLinkId]).sort((a, b) => a[0]! - b[0]!)]));
    net.cut('s1', 's2');
    net.link('s2', 's1');
    expectFullKnowledge(net);
    expectNoProtocolErrors(net);
    const after = Object.fromEntries(net.servers().map((s) => [s.name, s.core.knownHosts().map((h) => [h.id, h.firstLinkId]).sort((a, b) => a[0]! - b[0]!)]));
    expect(after).toEqual(before);
    expect(sortedIds(net.server('s1').core.adjacentServerIds())).toEqual([2, 4]);
    expect(sortedIds(net.server('s2').core.adjacentServerIds())).toEqual([1, 3]);
    // and traffic flows again across the healed link
    const m = net.mark();
    net.chat('e', 103, 'healed');
    expect(net.client('c').core.chatMessages()).toEqual(['healed']);
    expect(net.trace.slice(m).map((f) => f.from)).toEqual(['e', 's5', 's4', 's1', 's2', 's3']);
  });

  it('re-joining elsewhere (s2 dials s4) converges with new first links', () => {
    const net = splitTree(chunkSeed);
    net.cut('s1', 's2');
    net.link('s2', 's4');
    expectFullKnowledge(net);
    expectNoProtocolErrors(net);
    expect(net.server('s1').core.host(3)?.firstLinkId).toBe(4);
    expect(net.server('s1').core.host(102)?.firstLinkId).toBe(4);
    expect(net.server('s2').core.host(1)?.firstLinkId).toBe(4);
    expect(net.server('s3').core.host(101)?.firstLinkId).toBe(2);
    expect(sortedIds(net.server('s4').core.adjacentServerIds())).toEqual([1, 2, 5]);
    expect(sortedIds(net.server('s2').core.adjacentServerIds())).toEqual([3, 4]);
    const m = net.mark();
    net.chat('a', 102, 'via s4');
    expect(net.trace.slice(m).map((f) => f.from)).toEqual(['a', 's1', 's4', 's2']);
    expect(net.client('b').core.chatMessages()).toEqual(['via s4']);
  });

  it('a new client joining after the heal is announced on both sides', () => {
    const net = splitTree(chunkSeed);
    net.cut('s1', 's2');
    net.addClient(106, 'f', 'x', 's3'); // joins while split: only side Y hears
    expect(net.client('a').core.knows(106)).toBe(false);
    expect(net.client('b').core.knows(106)).toBe(true);
    net.link('s2', 's1');
    expectFullKnowledge(net);
    expect(net.client('a').core.knows(106)).toBe(true);
    expect(net.server('s5').core.host(106)?.firstLinkId).toBe(4);
  });
});
