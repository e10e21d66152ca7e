// Messages whose source does not belong behind the connection they arrived on are rejected
// with a protocol-error event and never relayed.
import { describe, expect, it } from 'vitest';
import { ClientCore, type CoreEvent } from '../../src/core/index.ts';
import type { MemoryNet } from '../../src/memory/net.ts';
import { branchedTree, sortedIds } from './helpers.ts';
import { MessageType, chatMsg, clientQuit, clientReg, serverReg, status } from './msgs.ts';

function snapshot(net: MemoryNet) {
  return {
    servers: Object.fromEntries(net.servers().map((s) => [s.name, sortedIds(s.core.hostIds())])),
    clients: Object.fromEntries(net.clients().map((c) => [c.name, {
      users: sortedIds(c.core.connectedUserIds()), chats: c.core.chatMessages(), status: c.core.statusUpdates(),
    }])),
  };
}

/**
 * `from` (a host or a probe) writes `frame` to s1, which refuses it: exactly one protocol
 * error there, and the frame goes no further than s1. Returns the protocol-error events.
 */
function expectRefusedAtS1(net: MemoryNet, from: string, frame: Buffer): CoreEvent[] {
  const m = net.mark();
  const ev = net.eventMark();
  if (net.resolve(from).kind === 'probe') net.probeSend(from, frame);
  else net.inject(from, 's1', frame);
  const errors = net.eventsOf('s1', ev).filter((e) => e.type === 'protocol-error');
  expect(errors).toHaveLength(1);
  expect(net.trace.slice(m).map((f) => `${f.from}>${f.to}`)).toEqual([`${from}>s1`]);
  return errors;
}

describe('spoofing', () => {
  it("a client chatting with another client's source id is rejected and never relayed", () => {
    const net = branchedTree();
    const before = snapshot(net);
    const [error] = expectRefusedAtS1(net, 'a', chatMsg(102, 104, 'I am b, honest'));
    expect(error).toMatchObject({ type: 'protocol-error', reason: expect.stringContaining('102') });
    expect(snapshot(net)).toEqual(before);
    // the same connection still works for honest traffic
    net.chat('a', 104, 'really a');
    expect(net.client('d').core.chatMessages()).toEqual(['really a']);
  });

  it("a client sending a quit for another client is rejected; the other client stays known", () => {
    const net = branchedTree();
    const before = snapshot(net);
    expectRefusedAtS1(net, 'a', clientQuit(104, ''));
    expect(snapshot(net)).toEqual(before);
  });

  it('a client sending a registration for another id on its registered connection is rejected', () => {
    const net = branchedTree();
    expectRefusedAtS1(net, 'a', clientReg(150, 0, 'alt', 'x'));
    expect(net.server('s1').core.host(150)).toBeUndefined();
  });

  it('a server relaying a chat from a client that lives elsewhere is rejected', () => {
    const net = branchedTree();
    // 101 is adjacent to s1; a chat "from 101" arriving from s2 cannot be genuine
    expectRefusedAtS1(net, 's2', chatMsg(101, 105, 'forged'));
    expect(net.client('e').core.chatMessages()).toEqual([]);
    // 105 lives behind s4; a forged status "from 4" arriving from s2 is not forwarded either
    expectRefusedAtS1(net, 's2', status(4, 101, 0, 'forged status'));
    expect(net.client('a').core.statusUpdates()).not.toContain('forged status');
  });

  it('a server link cannot make a host adjacent: a new host on it is behind that server, whatever its last_hop (0 too)', () => {
    const net = branchedTree();
    const ev = net.eventMark();
    net.inject('s2', 's1', serverReg(60, 0, 'ghost', 'x'));
    expect(net.eventsOf('s1', ev).filter((e) => e.type === 'protocol-error')).toEqual([]);
    expect(net.server('s1').core.host(60)).toMatchObject({ kind: 'server', firstLinkId: 2 });
    expect(net.server('s1').core.adjacentServerIds()).not.toContain(60);
  });

  it('a registration for the reserved id 0 is rejected (server and client), nothing learned or relayed', () => {
    const net = branchedTree();
    const before = snapshot(net);
    for (const [i, frame] of [serverReg(0, 0, 'zero', 'x'), clientReg(0, 0, 'zero', 'x')].entries()) {
      net.addProbe(`p${i}`, 's1');
      expectRefusedAtS1(net, `p${i}`, frame);
      expect(net.probe(`p${i}`).received).toEqual([]);
      expect(net.server('s1').core.host(0)).toBeUndefined();
    }
    expect(snapshot(net)).toEqual(before);
  });

  it('a relayed registration (last_hop neither 0 nor the source) on an unregistered connection is rejected', () => {
    const net = branchedTree();
    const before = snapshot(net);
    net.addProbe('p', 's1');
    for (const frame of [serverReg(50, 7, 'relayed', 'x'), clientReg(51, 7, 'relayed', 'x')]) expectRefusedAtS1(net, 'p', frame);
    expect(net.probe('p').received).toEqual([]);
    expect(snapshot(net)).toEqual(before);
    // and the connection is still unregistered: a chat from it is rejected too
    expectRefusedAtS1(net, 'p', chatMsg(50, 101, 'hi'));
    expect(net.client('a').core.chatMessages()).toEqual([]);
  });

  it('a well-formed registration on a probe connection is accepted (the probe is a real peer)', () => {
    const net = branchedTree();
    net.addProbe('p', 's1');
    net.probeSend('p', serverReg(60, 60, 'announced', 'x')); // last_hop == source: adjacent
    expect(net.server('s1').core.host(60)).toMatchObject({ kind: 'server', firstLinkId: 60 });
    expect(net.server('s3').core.host(60)).toMatchObject({ kind: 'server', firstLinkId: 2 });
    // last_hop == source is not last_hop 0: the probe is not seeded
    expect(net.probe('p').received).toEqual([]);
  });
});

describe('ClientCore alone', () => {
  it('rejects server-only messages with a protocol-error and learns nothing', () => {
    const c = new ClientCore({ id: 7, name: 'c', info: 'i' });
    c.opened();
    const fx = c.received({ type: MessageType.ServerRegistration, sourceId: 9, lastHopId: 0, name: 's', info: 'i' });
    expect(fx).toEqual([expect.objectContaining({ kind: 'event', event: expect.objectContaining({ type: 'protocol-error' }) })]);
    expect(c.connectedUserIds()).toEqual([]);
  });

  it('ignores its own registration and duplicate announcements; quit for an unknown user is a no-op', () => {
    const c = new ClientCore({ id: 7, name: 'c', info: 'i' });
    c.opened();
    expect(c.received({ type: MessageType.ClientRegistration, sourceId: 7, lastHopId: 1, name: 'c', info: 'i' })).toEqual([]);
    expect(c.received({ type: MessageType.ClientRegistration, sourceId: 8, lastHopId: 1, name: 'd', info: 'i' })).toHaveLength(1);
    expect(c.received({ type: MessageType.ClientRegistration, sourceId: 8, lastHopId: 1, name: 'd', info: 'i' })).toEqual([]);
    expect(c.connectedUserIds()).toEqual([8]);
    expect(c.received({ type: MessageType.ClientQuit, sourceId: 99, content: '' })).toEqual([]);
  });

  it('cannot chat before opening or after quitting; quit sends then closes, once', () => {
    const c = new ClientCore({ id: 7, name: 'c', info: 'i' });
    expect(() => c.chat(8, 'x')).toThrow();
    const open = c.opened();
    expect(open).toEqual([{ kind: 'send', data: clientReg(7, 0, 'c', 'i') }]);
    const q = c.quit('bye');
    expect(q).toEqual([{ kind: 'send', data: clientQuit(7, 'bye') }, { kind: 'close', reason: 'quit' }]);
    expect(c.quit('again')).toEqual([]);
    expect(() => c.chat(8, 'x')).toThrow();
  });
});
