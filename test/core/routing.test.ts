// Chat routing over 0, 1 and 3 hops, unknown destinations, and status routing through the tree.
import { describe, expect, it } from 'vitest';
import { MemoryNet } from '../../src/memory/net.ts';
import { build } from './helpers.ts';
import { MessageType, StatusCode, chatMsg, hexes, status } from './msgs.ts';

const MODES = [
  { label: 'whole frames', chunkSeed: undefined },
  { label: 'random chunks (seed 11)', chunkSeed: 11 },
  { label: 'random chunks (seed 2024)', chunkSeed: 2024 },
] as const;

/** s1 - s2 - s3 - s4 chain; a and b on s1, d on s2, z on s4. */
const chain = (chunkSeed: number | undefined): MemoryNet =>
  build(new MemoryNet({ chunkSeed }), [[1], [2, 1], [3, 2], [4, 3]], [[101, 'a', 1], [102, 'b', 1], [103, 'd', 2], [104, 'z', 4]]);

const chatPath = (net: MemoryNet, since: number) =>
  net.trace.slice(since).filter((f) => f.msg.type === MessageType.ClientChat).map((f) => [f.from, f.to]);

describe.each(MODES)('chat routing — $label', ({ chunkSeed }) => {
  const cases = [
    { hops: 0, to: 'b', id: 102, path: [['a', 's1'], ['s1', 'b']] },
    { hops: 1, to: 'd', id: 103, path: [['a', 's1'], ['s1', 's2'], ['s2', 'd']] },
    { hops: 3, to: 'z', id: 104, path: [['a', 's1'], ['s1', 's2'], ['s2', 's3'], ['s3', 's4'], ['s4', 'z']] },
  ];
  it.each(cases)('$hops server hop(s): arrives unchanged, byte for byte at every hop', ({ to, id, path }) => {
    const net = chain(chunkSeed);
    const text = '"Testing 1 2 3" — ünïcödé ✓';
    const expected = chatMsg(101, id, text).toString('hex');
    const m = net.mark();
    net.chat('a', id, text);
    expect(chatPath(net, m)).toEqual(path);
    for (const f of net.trace.slice(m)) expect(f.raw.toString('hex')).toBe(expected);
    expect(net.client(to).core.chatMessages()).toEqual([text]);
    for (const c of net.clients()) if (c.name !== to) expect(c.core.chatMessages(), c.name).toEqual([]);
    expect(net.eventsOf(to, 0)).toContainEqual({ type: 'chat-delivered', from: 101, to: id, content: text });
    // nothing else moved
    expect(net.trace.length - m).toBe(path.length);
  });

  it('a chat the other way round takes the reverse path', () => {
    const net = chain(chunkSeed);
    const m = net.mark();
    net.chat('z', 101, 'back');
    expect(chatPath(net, m)).toEqual([['z', 's4'], ['s4', 's3'], ['s3', 's2'], ['s2', 's1'], ['s1', 'a']]);
    expect(net.client('a').core.chatMessages()).toEqual(['back']);
  });

  it('an empty chat is relayed too', () => {
    const net = chain(chunkSeed);
    net.chat('d', 104, '');
    expect(net.client('z').core.chatMessages()).toEqual(['']);
  });

  it('unknown destination: status 1 `Unknown ID <dest>` from the server, dest 0 to an adjacent sender', () => {
    const net = chain(chunkSeed);
    const m = net.mark();
    const ev = net.eventMark();
    net.chat('z', 201, 'anyone?');
    expect(hexes(net.framesFrom('s4', m).map((f) => f.raw))).toEqual(
      hexes([status(4, 0, StatusCode.UnknownId, 'Unknown ID 201')]),
    );
    expect(net.frames('s4', 'z', m)).toHaveLength(1);
    expect(net.client('z').core.statusUpdates()).toEqual(['Welcome to the Clemson Relay Chat network z', 'Unknown ID 201']);
    expect(net.eventsOf('s4', ev)).toContainEqual({ type: 'unknown-destination', from: 104, to: 201 });
    // nothing was forwarded into the network
    expect(net.frames('s4', 's3', m)).toEqual([]);
  });
});

describe('status routing to a non-adjacent destination (whole frames, deterministic interleaving)', () => {
  it('a chat overtaking a quit: the far server replies to the sender id, and the status walks the tree', () => {
    const net = build(new MemoryNet(), [[1], [2, 1], [3, 2]], [[101, 'a', 1], [104, 'b', 3]]);
    net.paused = true;
    const m = net.mark();
    net.chat('a', 104, 'are you there?'); // s1 still knows 104 and forwards the chat...
    net.quit('b', 'gone'); // ...while b's quit travels the other way
    net.run();
    net.paused = false;
    const reply = status(3, 101, StatusCode.UnknownId, 'Unknown ID 104').toString('hex');
    const statuses = net.trace.slice(m).filter((f) => f.msg.type === MessageType.Status);
    expect(statuses.map((f) => [f.from, f.to])).toEqual([['s3', 's2'], ['s2', 's1'], ['s1', 'a']]);
    for (const f of statuses) expect(f.raw.toString('hex')).toBe(reply);
    expect(net.client('a').core.statusUpdates()).toEqual(['Welcome to the Clemson Relay Chat network a', 'Unknown ID 104']);
    // the intermediate servers did not swallow it
    expect(net.server('s2').core.statusUpdates()).toEqual([]);
    expect(net.server('s1').core.statusUpdates()).toEqual([]);
    expect(net.client('b').core.chatMessages()).toEqual([]);
  });

  it('a status addressed to a far client is forwarded unchanged; one addressed to a server is logged there', () => {
    const net = build(new MemoryNet(), [[1], [2, 1], [3, 2]], [[101, 'a', 1]]);
    const m = net.mark();
    const toClient = status(3, 101, 7, 'hello from s3');
    net.inject('s3', 's2', toClient);
    expect(net.trace.slice(m).map((f) => [f.from, f.to])).toEqual([['s3', 's2'], ['s2', 's1'], ['s1', 'a']]);
    for (const f of net.trace.slice(m)) expect(f.raw.toString('hex')).toBe(toClient.toString('hex'));
    expect(net.client('a').core.statusUpdates()).toContain('hello from s3');

    const m2 = net.mark();
    net.inject('s3', 's2', status(3, 1, 0, 'for s1'));
    expect(net.trace.slice(m2).map((f) => [f.from, f.to])).toEqual([['s3', 's2'], ['s2', 's1']]);
    expect(net.server('s1').core.statusUpdates()).toEqual(['for s1']);
    expect(net.server('s2').core.statusUpdates()).toEqual([]);

    net.inject('s3', 's2', status(3, 0, 0, 'for s2'));
    expect(net.server('s2').core.statusUpdates()).toEqual(['for s2']);
  });
});
