// Server and client registration, seeding, rebroadcast, first_link ids, duplicates.
import { describe, expect, it } from 'vitest';
import { MemoryNet } from '../../src/memory/net.ts';
import { build, framesHex, sortedIds } from './helpers.ts';
import { MessageType, StatusCode, clientReg, hexes, serverReg, status } from './msgs.ts';

const MODES = [
  { label: 'whole frames', chunkSeed: undefined },
  { label: 'random chunks (seed 7)', chunkSeed: 7 },
  { label: 'random chunks (seed 4242)', chunkSeed: 4242 },
] as const;

const welcome = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;

describe.each(MODES)('server registration — $label', ({ chunkSeed }) => {
  it('the joining server sends exactly its own registration with last_hop 0', () => {
    const net = new MemoryNet({ chunkSeed });
    net.addServer(1, 'theshire', 'Home of the Hobbits');
    net.addServer(2, 'rivendale', 'Elronds House', 'theshire');
    expect(framesHex(net, 'rivendale', 'theshire')).toEqual(
      hexes([serverReg(2, 0, 'rivendale', 'Elronds House')]),
    );
  });

  it('the accepting side seeds its own registration first (last_hop 0, as every implementation accepts), then every other known host', () => {
    const net = new MemoryNet({ chunkSeed });
    net.addServer(1, 'theshire', 'Home of the Hobbits');
    net.addClient(101, 'frodo', 'ring bearer', 'theshire');
    net.addServer(2, 'rivendale', 'Elronds House', 'theshire');
    net.addClient(102, 'elrond', 'half-elven', 'rivendale');
    const m = net.mark();
    net.addServer(3, 'grey_havens', 'Gates', 'rivendale');
    const seeded = net.frames('rivendale', 'grey_havens', m).map((f) => f.raw);
    // first: rivendale itself, with last_hop 0 (docs/protocol-notes.md: the one value all nine foreign servers take as adjacent)
    expect(seeded[0]?.toString('hex')).toBe(serverReg(2, 0, 'rivendale', 'Elronds House').toString('hex'));
    // then every other host rivendale knows, servers as 0x00, clients as 0x80, last_hop = 2
    const rest = hexes(seeded.slice(1)).sort();
    expect(rest).toEqual(hexes([
      serverReg(1, 2, 'theshire', 'Home of the Hobbits'),
      clientReg(101, 2, 'frodo', 'ring bearer'),
      clientReg(102, 2, 'elrond', 'half-elven'),
    ]).sort());
    // the newcomer's own registration is never echoed back to it
    expect(net.frames('rivendale', 'grey_havens', m).some((f) => f.msg.sourceId === 3)).toBe(false);
  });

  it('rebroadcasts a new server to every other adjacent server (last_hop = own id), never to the origin nor to clients', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1], [2, 1], [3, 1]], [[101, 'c1', 1]]);
    const m = net.mark();
    net.addServer(4, 's4', 'i4', 's1');
    expect(framesHex(net, 's1', 's2', m)).toEqual(hexes([serverReg(4, 1, 's4', 'i4')]));
    expect(framesHex(net, 's1', 's3', m)).toEqual(hexes([serverReg(4, 1, 's4', 'i4')]));
    expect(net.frames('s1', 'c1', m)).toEqual([]);
    // s2 and s3 are leaves: they relay nothing further
    expect(net.framesFrom('s2', m)).toEqual([]);
    expect(net.framesFrom('s3', m)).toEqual([]);
    // s4 received s1's seed and nothing about itself
    const toS4 = net.frames('s1', 's4', m);
    expect(sortedIds(toS4.map((f) => f.msg.sourceId))).toEqual([1, 2, 3, 101]);
    expect(toS4.find((f) => f.msg.sourceId === 101)?.msg.type).toBe(MessageType.ClientRegistration);
  });

  it('first_link ids are correct across a 4-level chain, and adjacency lists match the topology', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1], [2, 1], [3, 2], [4, 3]], [[101, 'c1', 1], [104, 'c4', 4]]);
    const fl = (s: string) => Object.fromEntries(net.server(s).core.knownHosts().map((h) => [h.id, h.firstLinkId]));
    expect(fl('s1')).toEqual({ 2: 2, 3: 2, 4: 2, 101: 101, 104: 2 });
    expect(fl('s2')).toEqual({ 1: 1, 3: 3, 4: 3, 101: 1, 104: 3 });
    expect(fl('s3')).toEqual({ 1: 2, 2: 2, 4: 4, 101: 2, 104: 4 });
    expect(fl('s4')).toEqual({ 1: 3, 2: 3, 3: 3, 101: 3, 104: 104 });
    const kinds = Object.fromEntries(net.server('s3').core.knownHosts().map((h) => [h.id, h.kind]));
    expect(kinds).toEqual({ 1: 'server', 2: 'server', 4: 'server', 101: 'client', 104: 'client' });
    expect(sortedIds(net.server('s1').core.adjacentServerIds())).toEqual([2]);
    expect(sortedIds(net.server('s2').core.adjacentServerIds())).toEqual([1, 3]);
    expect(sortedIds(net.server('s3').core.adjacentServerIds())).toEqual([2, 4]);
    expect(sortedIds(net.server('s4').core.adjacentServerIds())).toEqual([3]);
    expect(sortedIds(net.server('s1').core.adjacentUserIds())).toEqual([101]);
    expect(sortedIds(net.server('s2').core.adjacentUserIds())).toEqual([]);
    expect(sortedIds(net.server('s4').core.adjacentUserIds())).toEqual([104]);
    // routeTo picks the connection toward the first link
    const s2 = net.server('s2');
    const connTo = (node: string) => [...s2.ends.values()].find((e) => e.peer.node.name === node)?.conn;
    expect(s2.core.routeTo(104)).toBe(connTo('s3'));
    expect(s2.core.routeTo(101)).toBe(connTo('s1'));
    expect(s2.core.routeTo(999)).toBeUndefined();
    // host-learned events report the same first links
    const learned = net.eventsOf('s1').filter((e) => e.type === 'host-learned');
    expect(learned.map((e) => e.type === 'host-learned' && [e.id, e.firstLinkId])).toEqual(
      expect.arrayContaining([[2, 2], [3, 2], [4, 2], [101, 101], [104, 2]]),
    );
  });

  it('each side of a link gets its own ConnId and peerOf() names the registered peer', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1]]);
    const { childConn, parentConn } = net.link(net.addServer(2, 's2', 'i2').name, 's1');
    expect(childConn).not.toBe(parentConn);
    expect(net.server('s1').core.peerOf(parentConn)).toEqual({ kind: 'server', id: 2 });
    expect(net.server('s2').core.peerOf(childConn)).toEqual({ kind: 'server', id: 1 });
  });
});

describe.each(MODES)('client registration — $label', ({ chunkSeed }) => {
  it('welcomes the client (status 0, source = server, dest 0, exact text), then 0x80 for every other known client', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1], [2, 1]]);
    net.addClient(101, 'frodobaggins', 'Test info', 's1');
    net.addClient(102, 'elrond', 'elf', 's2');
    const m = net.mark();
    net.addClient(103, 'samgamgee', 'gardener', 's1');
    const got = net.frames('s1', 'samgamgee', m).map((f) => f.raw);
    expect(got[0]?.toString('hex')).toBe(status(1, 0, StatusCode.Welcome, welcome('samgamgee')).toString('hex'));
    expect(hexes(got.slice(1)).sort()).toEqual(hexes([
      clientReg(101, 1, 'frodobaggins', 'Test info'),
      clientReg(102, 1, 'elrond', 'elf'),
    ]).sort());
    // servers are not announced to clients
    expect(got.some((b) => b[0] === MessageType.ServerRegistration)).toBe(false);
    const sam = net.client('samgamgee').core;
    expect(sam.statusUpdates()).toEqual([welcome('samgamgee')]);
    expect(sortedIds(sam.connectedUserIds())).toEqual([101, 102]);
    expect(sam.knows(103)).toBe(false);
  });

  it('rebroadcasts the client to adjacent servers and adjacent clients, never back to its origin', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1], [2, 1], [3, 1]]);
    net.addClient(101, 'a', 'ia', 's1');
    net.addClient(102, 'b', 'ib', 's2');
    net.addClient(103, 'c', 'ic', 's3');
    const m = net.mark();
    net.addClient(104, 'd', 'id', 's2');
    const reg = (hop: number) => clientReg(104, hop, 'd', 'id').toString('hex');
    // the client's own registration, as sent
    expect(framesHex(net, 'd', 's2', m)).toEqual([reg(0)]);
    // s2 -> s1 and s2 -> b (adjacent client); never back to d
    expect(framesHex(net, 's2', 's1', m)).toEqual([reg(2)]);
    expect(framesHex(net, 's2', 'b', m)).toEqual([reg(2)]);
    expect(net.frames('s2', 'd', m).some((f) => f.msg.sourceId === 104)).toBe(false);
    // s1 relays to s3 and a, not back to s2
    expect(framesHex(net, 's1', 's3', m)).toEqual([reg(1)]);
    expect(framesHex(net, 's1', 'a', m)).toEqual([reg(1)]);
    expect(net.frames('s1', 's2', m)).toEqual([]);
    expect(framesHex(net, 's3', 'c', m)).toEqual([reg(3)]);
    expect(net.frames('s3', 's1', m)).toEqual([]);
    // everyone knows everyone, nobody knows itself
    for (const c of net.clients()) {
      expect(sortedIds(c.core.connectedUserIds()), c.name).toEqual([101, 102, 103, 104].filter((id) => id !== c.id));
    }
    expect(net.server('s1').core.host(104)).toMatchObject({ kind: 'client', name: 'd', info: 'id', firstLinkId: 2 });
    expect(net.server('s2').core.host(104)).toMatchObject({ kind: 'client', firstLinkId: 104 });
    expect(sortedIds(net.server('s2').core.adjacentUserIds())).toEqual([102, 104]);
  });

  it('counts name/info lengths in UTF-8 bytes across relays', () => {
    const net = new MemoryNet({ chunkSeed });
    net.addServer(1, 'sé', 'ïnfo ✓');
    net.addServer(2, 's2', 'i2', 'sé');
    net.addClient(101, 'Frödo', 'Ring 💍', 's2');
    expect(net.server('sé').core.host(101)).toMatchObject({ name: 'Frödo', info: 'Ring 💍' });
    expect(net.server('s2').core.host(1)).toMatchObject({ name: 'sé', info: 'ïnfo ✓' });
  });
});

describe.each(MODES)('duplicate ids — $label', ({ chunkSeed }) => {
  it('a server with a known id gets status 2 over the same connection and learns nothing', () => {
    const net = new MemoryNet({ chunkSeed });
    net.addServer(1, 'theshire', 'Home');
    net.addServer(2, 'rivendale', 'Elronds House', 'theshire');
    net.addClient(101, 'frodo', 'x', 'theshire');
    const m = net.mark();
    const ev = net.eventMark();
    net.addServer(2, 'osgiliath', 'dup', 'theshire');
    expect(framesHex(net, 'theshire', 'osgiliath', m)).toEqual(
      hexes([status(1, 0, StatusCode.DuplicateId, 'A machine has already registered with ID 2')]),
    );
    const osg = net.server('osgiliath').core;
    expect(osg.statusUpdates()).toEqual(['A machine has already registered with ID 2']);
    expect(osg.hostIds()).toEqual([]);
    expect(osg.adjacentServerIds()).toEqual([]);
    // the accepting server did not relay the duplicate, and its view is unchanged
    expect(net.frames('theshire', 'rivendale', m)).toEqual([]);
    expect(net.frames('theshire', 'frodo', m)).toEqual([]);
    const shire = net.server('theshire').core;
    expect(sortedIds(shire.hostIds())).toEqual([2, 101]);
    expect(sortedIds(shire.adjacentServerIds())).toEqual([2]);
    expect(shire.host(2)).toMatchObject({ name: 'rivendale', info: 'Elronds House' });
    expect(net.eventsOf('theshire', ev)).toContainEqual({ type: 'duplicate-id', id: 2, kind: 'server' });
    // later traffic is not sent to the refused newcomer
    const m2 = net.mark();
    net.addClient(102, 'sam', 'x', 'theshire');
    expect(net.framesTo('osgiliath', m2)).toEqual([]);
  });

  it("a server registering with the receiving server's own id is a duplicate", () => {
    const net = new MemoryNet({ chunkSeed });
    net.addServer(1, 'theshire', 'Home');
    const m = net.mark();
    net.addServer(1, 'impostor', 'x', 'theshire');
    expect(framesHex(net, 'theshire', 'impostor', m)).toEqual(
      hexes([status(1, 0, StatusCode.DuplicateId, 'A machine has already registered with ID 1')]),
    );
    expect(net.server('theshire').core.hostIds()).toEqual([]);
    expect(net.server('impostor').core.statusUpdates()).toEqual(['A machine has already registered with ID 1']);
    expect(net.server('impostor').core.hostIds()).toEqual([]);
  });

  it('a client with a known id gets `Someone has already registered with ID <id>` and is not announced', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1], [2, 1]]);
    net.addClient(102, 'samgamgee', 'x', 's2');
    net.addClient(103, 'elrond', 'x', 's1');
    const m = net.mark();
    net.addClient(102, 'gollum', 'precious', 's1');
    expect(framesHex(net, 's1', 'gollum', m)).toEqual(
      hexes([status(1, 0, StatusCode.DuplicateId, 'Someone has already registered with ID 102')]),
    );
    const gollum = net.client('gollum').core;
    expect(gollum.statusUpdates()).toEqual(['Someone has already registered with ID 102']);
    expect(gollum.connectedUserIds()).toEqual([]);
    expect(net.frames('s1', 's2', m)).toEqual([]);
    expect(net.frames('s1', 'elrond', m)).toEqual([]);
    expect(net.server('s1').core.host(102)).toMatchObject({ name: 'samgamgee', firstLinkId: 2 });
    expect(sortedIds(net.server('s1').core.adjacentUserIds())).toEqual([103]);
  });

  it('a client taking a server id is a duplicate too', () => {
    const net = build(new MemoryNet({ chunkSeed }), [[1], [2, 1]]);
    const m = net.mark();
    net.addClient(2, 'sneaky', 'x', 's1');
    expect(framesHex(net, 's1', 'sneaky', m)).toEqual(
      hexes([status(1, 0, StatusCode.DuplicateId, 'Someone has already registered with ID 2')]),
    );
    expect(net.server('s1').core.host(2)?.kind).toBe('server');
  });
});

describe('harness', () => {
  it('random chunking really splits frames and coalesces several frames per read', () => {
    const net = new MemoryNet({ chunkSeed: 99 });
    net.addServer(1, 's1', 'i1');
    for (let i = 2; i <= 6; i++) net.addServer(i, `s${i}`, `info ${i}`, `s${i - 1}`);
    for (let i = 1; i <= 6; i++) net.addClient(100 + i, `c${i}`, 'x', `s${i}`);
    expect(net.stats.splitFrames).toBeGreaterThan(0);
    expect(net.stats.multiFrameReads).toBeGreaterThan(0);
    for (const c of net.clients()) expect(c.core.connectedUserIds()).toHaveLength(5);
  });
});
