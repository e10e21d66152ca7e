// Fault injection through the coordinator: server links routed through the link proxies
// (proxyLinks), with latency, one-way holds, holds, netsplits, partitions and crashes, all on
// real worker threads and sockets. Every wait has a deadline and waits for an event: a
// "nothing arrived" is proven by what is queued at the proxy or by a marker behind it (FIFO).
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { Simulation, type SimulationOptions } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { HEADER_SIZE, MessageType } from '../../src/protocol/messages.ts';
import { parseTrafficText } from '../../src/coordinator/traffic-text.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { seededStream } from '../../src/faults/toxic.ts';
import { sampleDelay } from '../../src/faults/toxics/latency.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { waitFor } from '../wait.ts';

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** Poll until `fn` is true or the deadline passes (then throw naming `what`). A bound, not a timing check. */
async function waitUntil(fn: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await waitFor(fn, timeoutMs, what);
}

/** Start a simulation that records every node and proxy event. */
async function start(options: SimulationOptions): Promise<{ sim: Simulation; events: SimEvent[]; proxyEvents: ProxyEvent[] }> {
  const events: SimEvent[] = [];
  const proxyEvents: ProxyEvent[] = [];
  const s = await Simulation.start({
    ...options,
    onEvent: (e) => events.push(e),
    onProxyEvent: (e) => proxyEvents.push(e),
  });
  sim = s;
  await s.converged({ timeoutMs: 15_000 });
  return { sim: s, events, proxyEvents };
}

type Chat = Extract<SimEvent, { type: 'chat-delivered' }>;
const delivered = (events: SimEvent[], at: number, prefix: string): Chat[] =>
  events.filter((e): e is Chat => e.type === 'chat-delivered' && e.node === at && e.content.startsWith(prefix));

/** One-way delays (ms) of traffic() chats with `tag`: receiver's event time minus the send time in the text. */
function delays(events: SimEvent[], at: number, tag: string): number[] {
  return delivered(events, at, tag).map((e) => {
    return e.t - parseTrafficText(e.content)!.sentAt;
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ids = (hosts: Array<{ id: number }>) => hosts.map((h) => h.id).sort((a, b) => a - b);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

const SIDE_A = [1, 2, 3, 5, 8];
const SIDE_B = [4, 6, 7, 9, 10, 11];

describe('link faults through the coordinator (proxyLinks)', () => {
  it('a 30 ms latency toxic on a link is seen end to end both ways, and removing it restores speed', async () => {
    const { sim, events } = await start({ topology: resolveTopology('chain:2', { clients: 2 }), proxyLinks: 'all' });
    const [c1, c2] = [100001, 100002]; // on s1 and s2
    const link = sim.link(1, 2);
    expect(link.info).toEqual({ kind: 'server', child: 2, parent: 1, proxy: 'link-2-1' });
    const name = await link.add(parseToxicSpec({ type: 'latency', ms: 30 }));
    expect(name).toBe('latency_both');

    const a = await sim.traffic(c1, c2, 20, 64, 400, 'a');
    const b = await sim.traffic(c2, c1, 20, 64, 400, 'b');
    await waitUntil(() => delivered(events, c2, 'a').length === a.sent && delivered(events, c1, 'b').length === b.sent, 5000, 'the delayed chats');
    expect(a.sent).toBeGreaterThanOrEqual(5);
    const slow = [...delays(events, c2, 'a'), ...delays(events, c1, 'b')];
    // Each chat crosses the link once: at least 30 ms (less a hair of cross-thread clock noise).
    expect(Math.min(...slow)).toBeGreaterThanOrEqual(29.5);

    await link.remove(name);
    expect(await link.toxics()).toEqual([]);
    const c = await sim.traffic(c1, c2, 20, 64, 400, 'c');
    await waitUntil(() => delivered(events, c2, 'c').length === c.sent, 5000, 'the fast chats');
    const fast = delays(events, c2, 'c');
    expect(median(fast)).toBeLessThan(10);
    expect(median(fast)).toBeLessThan(median(slow) - 20);
  });

  it('a link control updates a live toxic and keeps the link\'s fault state as data', async () => {
    sim = await Simulation.start({ topology: resolveTopology('chain:2'), proxyLinks: 'all' });
    await sim.converged({ timeoutMs: 10_000 });
    const link = sim.link(1, 2);
    const name = await link.add(parseToxicSpec({ type: 'latency', ms: 30, direction: 'upstream' }));
    const updated = await link.update(name, { ms: 5 });
    expect(updated.attributes).toMatchObject({ ms: 5 });
    expect((await link.toxics())[0]!.attributes).toMatchObject({ ms: 5 });
    await link.hold('downstream');
    expect(link.faults()).toEqual({ cut: undefined, upstream: { down: undefined, held: false }, downstream: { down: undefined, held: true }, toxics: [name] });
    await link.release('downstream');
    await link.down('both', 'reset');
    expect(link.faults().cut).toBe('reset');
    await link.up('both');
    expect(link.faults().cut).toBeUndefined();
  });

  it('link() refuses a direct link ("direct") and a pair of servers with no link ("no link")', async () => {
    sim = await Simulation.start({ topology: resolveTopology('chain:3'), proxyLinks: [[1, 2]] });
    await sim.converged({ timeoutMs: 10_000 });
    expect(sim.linkList()).toEqual([{ kind: 'server', child: 2, parent: 1, proxy: 'link-2-1' }, { kind: 'server', child: 3, parent: 2 }]);
    expect(sim.link(2, 1).info.proxy).toBe('link-2-1'); // either order
    expect(() => sim!.link(2, 3)).toThrow(/direct/);
    expect(() => sim!.link(3, 2)).toThrow(/proxyLinks/);
    expect(() => sim!.link(1, 3)).toThrow(/no link/);
    expect(() => sim!.link(1, 99)).toThrow(/no link/);
  });

  it('down(both) splits the tree (each side forgets the other), up() heals it through the proxy', async () => {
    const { sim } = await start({ topology: resolveTopology('chain:4', { clients: 4 }), proxyLinks: 'all' });
    // s1-s2-s3-s4, client 10000k on server k.
    const link = sim.link(2, 3);
    await link.down();
    const left = [1, 2];
    const right = [3, 4];
    await Promise.all([
      sim.forgotten(3, { by: left, timeoutMs: 5000 }),
      sim.forgotten(4, { by: left, timeoutMs: 5000 }),
      sim.forgotten(100003, { by: left, timeoutMs: 5000 }),
      sim.forgotten(100004, { by: left, timeoutMs: 5000 }),
      sim.forgotten(1, { by: right, timeoutMs: 5000 }),
      sim.forgotten(2, { by: right, timeoutMs: 5000 }),
      sim.forgotten(100001, { by: right, timeoutMs: 5000 }),
      sim.forgotten(100002, { by: right, timeoutMs: 5000 }),
    ]);
    await sim.converged({ timeoutMs: 5000 }); // the split model: each side complete on its own
    // The servers' own tables agree with the model.
    expect(ids((await sim.serverState(2)).hosts)).toEqual([1, 100001, 100002]);
    expect(ids((await sim.serverState(3)).hosts)).toEqual([4, 100003, 100004]);
    expect((await sim.clientState(100004)).connectedUserIds).toEqual([100003]);
    const down = await link.stats();
    expect(down.down).toBe('close');
    expect(down.connections.open).toBe(0);

    await link.up();
    await Promise.all([3, 100003, 1, 100001].map((id) => sim.known(id, { timeoutMs: 10_000 })));
    await sim.converged({ timeoutMs: 10_000 });
    expect(ids((await sim.serverState(1)).hosts)).toEqual([2, 3, 4, 100001, 100002, 100003, 100004]);
    expect(sorted((await sim.clientState(100004)).connectedUserIds)).toEqual([100001, 100002, 100003]);
    const up = await link.stats();
    expect(up.down).toBeUndefined();
    expect(up.connections.open).toBe(1);
    expect(up.connections.total).toBeGreaterThanOrEqual(2); // s3 re-dialled through the proxy
  });

  it('a one-way hold (upstream) stalls that direction only; release() delivers the stalled chats, in order, none lost', async () => {
    // Liveness off: a stalled direction is silent, and liveness would rightly call it dead.
    const { sim, events } = await start({ topology: resolveTopology('chain:2', { clients: 2 }), proxyLinks: 'all', pingIntervalMs: 0 });
    const [c1, c2] = [100001, 100002]; // c2 is on s2, the child: its chats to c1 go upstream
    const link = sim.link(1, 2);
    await link.hold('upstream');
    for (let i = 0; i < 10; i++) {
      await sim.chat(c2, c1, `u${i}`);
      await sim.chat(c1, c2, `d${i}`);
    }
    // Downstream still flows.
    await waitUntil(() => delivered(events, c2, 'd').length === 10, 5000, 'the downstream chats');
    expect(delivered(events, c2, 'd').map((e) => e.content)).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}`));
    // The upstream chats reached the proxy and wait there.
    // All ten wait there (liveness is off: nothing else crosses the link), so none is on its way.
    const tenChats = 10 * (HEADER_SIZE[MessageType.ClientChat] + 'u0'.length);
    await waitUntil(async () => (await link.stats()).upstream.queued === tenChats, 5000, 'the ten chats queued upstream');
    const stalled = await link.stats();
    expect(stalled.held).toEqual(['upstream']);
    expect(stalled.connections.open).toBe(1); // stalled, not cut
    expect(delivered(events, c1, 'u')).toHaveLength(0);
    // Nobody forgot anyone: a stall is not a netsplit.
    expect(events.filter((e) => e.type === 'host-forgotten')).toHaveLength(0);

    await link.release('upstream');
    await waitUntil(() => delivered(events, c1, 'u').length >= 10, 5000, 'the stalled chats');
    await sim.chat(c2, c1, 'marker'); // behind the stalled chats: a duplicate would arrive before it
    await waitUntil(() => delivered(events, c1, 'marker').length === 1, 5000, 'the marker chat');
    expect(delivered(events, c1, 'u').map((e) => e.content)).toEqual(Array.from({ length: 10 }, (_, i) => `u${i}`));
    expect((await link.stats()).upstream.queued).toBe(0);
  });

  it('hold(): a quit does not cross the held link; after release() it does, exactly once', async () => {
    const { sim, events } = await start({ topology: resolveTopology('chain:2', { clients: 4 }), proxyLinks: 'all' });
    // 100001 and 100003 on s1; 100002 and 100004 on s2.
    const link = sim.link(1, 2);
    await link.hold();
    await sim.quit(100004, 'bye');
    // The near side forgets it at once ...
    await sim.forgotten(100004, { by: [2], timeoutMs: 5000 });
    // ... the far side does not while the link is held: the quit waits in the proxy's queue.
    await waitUntil(async () => (await link.stats()).upstream.queued > 0, 5000, 'the quit queued upstream');
    expect(ids((await sim.serverState(1)).hosts)).toContain(100004);
    expect((await sim.clientState(100001)).connectedUserIds).toContain(100004);
    const held = await link.stats();
    expect(held.held).toEqual(['upstream', 'downstream']);
    expect(held.upstream.queued).toBeGreaterThan(0);

    await link.release();
    await sim.forgotten(100004, { timeoutMs: 5000 });
    // A marker chat over the same link after the quit: once it arrives, anything the quit
    // could still cause on that side (a duplicate forget) has been handled.
    await sim.chat(100002, 100001, 'marker');
    await sim.chat(100002, 100003, 'marker');
    await waitUntil(() => delivered(events, 100001, 'marker').length === 1 && delivered(events, 100003, 'marker').length === 1, 5000, 'the marker chats');
    const forgets = events.filter((e) => e.type === 'host-forgotten' && e.id === 100004).map((e) => e.node);
    expect(sorted(forgets)).toEqual([1, 2, 100001, 100002, 100003]);
    await sim.converged({ timeoutMs: 5000 });
  });

  it('partition() then heal() on middle-earth: clients across the cut are forgotten by the other side only, then relearned', async () => {
    const { sim } = await start({ topology: resolveTopology('middle-earth'), proxyLinks: 'all' });
    const cut = await sim.partition([SIDE_A, SIDE_B]);
    expect(cut).toEqual([{ kind: 'server', child: 4, parent: 2, proxy: 'link-4-2' }]);
    await Promise.all([
      sim.forgotten(108, { by: SIDE_A, timeoutMs: 5000 }),
      sim.forgotten(105, { by: SIDE_A, timeoutMs: 5000 }),
      sim.forgotten(106, { by: SIDE_A, timeoutMs: 5000 }),
      sim.forgotten(101, { by: SIDE_B, timeoutMs: 5000 }),
      sim.forgotten(104, { by: SIDE_B, timeoutMs: 5000 }),
    ]);
    await sim.converged({ timeoutMs: 5000 });
    // Each side still knows its own.
    expect(ids((await sim.serverState(7)).hosts)).toEqual([4, 6, 9, 10, 11, 105, 106, 108]);
    expect(ids((await sim.serverState(3)).hosts)).toEqual([1, 2, 5, 8, 101, 102, 103, 104, 107]);
    expect(sorted((await sim.clientState(108)).connectedUserIds)).toEqual([105, 106]);

    await sim.heal();
    await Promise.all([108, 101, 4, 2].map((id) => sim.known(id, { timeoutMs: 10_000 })));
    await sim.converged({ timeoutMs: 10_000 });
    expect(sorted((await sim.clientState(108)).connectedUserIds)).toEqual([101, 102, 103, 104, 105, 106, 107]);
    expect(ids((await sim.serverState(3)).hosts)).toHaveLength(18);
  });

  it('crash(4) splits middle-earth into components that each converge; restart(4) reconverges; bad ids throw', async () => {
    const { sim } = await start({ topology: resolveTopology('middle-earth'), proxyLinks: 'all' });
    await expect(sim.crash(42)).rejects.toThrow(/no running server with id 42/);
    await expect(sim.restart(4)).rejects.toThrow(/has not crashed/);

    expect(await sim.crash(4)).toEqual([4]);
    await sim.forgotten(4, { timeoutMs: 5000 });
    await sim.converged({ timeoutMs: 5000 });
    expect(ids((await sim.serverState(1)).hosts)).toEqual([2, 3, 5, 8, 101, 102, 103, 104, 107]);
    expect(ids((await sim.serverState(6)).hosts)).toEqual([9, 106]);
    expect(ids((await sim.serverState(7)).hosts)).toEqual([10, 11, 105, 108]);
    expect(sorted((await sim.clientState(108)).connectedUserIds)).toEqual([105]);
    await expect(sim.crash(4)).rejects.toThrow(/no running server with id 4/);

    await sim.restart(4);
    await sim.known(4, { timeoutMs: 10_000 });
    await sim.converged({ timeoutMs: 15_000 });
    expect(ids((await sim.serverState(4)).hosts)).toHaveLength(18);
    expect(sorted((await sim.clientState(108)).connectedUserIds)).toEqual([101, 102, 103, 104, 105, 106, 107]);
  });

  it('a quit and a disconnect without quit are both forgotten network-wide', async () => {
    const { sim, events } = await start({ topology: resolveTopology('chain:4', { clients: 4 }), proxyLinks: 'all' });
    await sim.quit(100001, 'leaving');
    await sim.disconnect(100004);
    await sim.forgotten(100001, { timeoutMs: 5000 });
    await sim.forgotten(100004, { timeoutMs: 5000 });
    await sim.converged({ timeoutMs: 5000 });
    const reason = (node: number, id: number) =>
      events.find((e): e is Extract<SimEvent, { type: 'host-forgotten' }> => e.type === 'host-forgotten' && e.node === node && e.id === id)?.reason;
    expect(reason(1, 100001)).toBe('quit');
    expect(reason(4, 100004)).toBe('disconnect');
    expect(ids((await sim.serverState(2)).hosts)).toEqual([1, 3, 4, 100002, 100003]);
    expect(sorted((await sim.clientState(100003)).connectedUserIds)).toEqual([100002]);
  });
});

describe('seeded jitter', () => {
  it('seededStream: same seed and parts, same sequence; another seed or part, another sequence', () => {
    const take = (f: () => number, n = 64) => Array.from({ length: n }, () => f());
    const a = take(seededStream(42, 'link-2-1', 1, 'downstream', 'latency_downstream'));
    expect(take(seededStream(42, 'link-2-1', 1, 'downstream', 'latency_downstream'))).toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(a).size).toBe(a.length);
    for (const other of [
      seededStream(43, 'link-2-1', 1, 'downstream', 'latency_downstream'),
      seededStream(42, 'link-2-1', 2, 'downstream', 'latency_downstream'),
      seededStream(42, 'link-2-1', 1, 'upstream', 'latency_downstream'),
      seededStream(42, 'link-3-1', 1, 'downstream', 'latency_downstream'),
    ]) {
      expect(take(other)).not.toEqual(a);
    }
  });

  it('the simulation seed reaches the proxies: per-chat delays follow the seeded samples', async () => {
    // Liveness off: a ping would take a sample of the seeded stream, as any chunk does.
    const { sim, events, proxyEvents } = await start({ topology: resolveTopology('chain:2', { clients: 2 }), proxyLinks: 'all', seed: 42, pingIntervalMs: 0 });
    const link = sim.link(1, 2);
    const spec = parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 40, jitter: 30, distribution: 'uniform' });
    const name = await link.add(spec);
    expect(await link.toxics()).toEqual([{ name: 'latency_downstream', type: 'latency', direction: 'downstream', toxicity: 1, attributes: { ms: 40, jitter: 30, distribution: 'uniform' } }]);
    const opened = proxyEvents.filter((e): e is Extract<ProxyEvent, { type: 'proxy-conn-opened' }> => e.type === 'proxy-conn-opened' && e.proxy === 'link-2-1');
    expect(opened).toHaveLength(1);
    const conn = opened[0]!.conn;

    // 8 chats 125 ms apart downstream (s1 -> s2): each is one chunk on the link and one
    // sample, never queued behind the previous one (samples are 10..70 ms).
    const r = await sim.traffic(100001, 100002, 8, 64, 1000, 'j');
    await waitUntil(() => delivered(events, 100002, 'j').length === r.sent, 5000, 'the jittered chats');
    const measured = delays(events, 100002, 'j');
    const predict = (seed: number) => {
      const rand = seededStream(seed, 'link-2-1', conn, 'downstream', name);
      return measured.map(() => sampleDelay({ ms: 40, jitter: 30, distribution: 'uniform' }, rand));
    };
    const expected = predict(42);
    const off = measured.map((m, i) => +(m - expected[i]!).toFixed(2));
    // Measured = sample + the nodes' own handling: never earlier than the sample, and later by
    // well under 12 ms, except when the whole machine stalls (parallel test files on 2 cores):
    // allow at most two such outliers out of eight.
    for (const d of off) expect(d, `offsets ${off.join(', ')}`).toBeGreaterThanOrEqual(-1);
    expect(off.filter((d) => d < 12).length, `offsets ${off.join(', ')}`).toBeGreaterThanOrEqual(6);
    // Another seed's samples do not explain the delays (its predictions are fixed: for seed 1
    // several of the eight differ from seed 42's by more than 12 ms).
    const wrong = predict(1);
    expect(measured.filter((m, i) => Math.abs(m - wrong[i]!) > 12).length).toBeGreaterThanOrEqual(3);
  });
});

describe('client links through proxies', () => {
  it('latency on a proxied client link delays its chats; cutting it makes the network forget the client', async () => {
    // chain:2 with 3 clients: 100001 on s1, 100002 on s2, 100003 on s1; only 100002's link is proxied.
    const { sim, events } = await start({ topology: resolveTopology('chain:2', { clients: 3 }), proxyClients: [100002] });
    await sim.converged({ timeoutMs: 10_000 });
    expect(sim.linkList().filter((l) => l.kind === 'client')).toEqual([{ kind: 'client', child: 100002, parent: 2, proxy: 'client-100002-2' }]);
    expect(() => sim.link(100001, 1)).toThrow(/no link|direct/);
    await sim.link(100002, 2).add(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 25 }));
    const r = await sim.traffic(100001, 100002, 20, 64, 500, 'c');
    await waitUntil(() => delivered(events, 100002, 'c').length === r.sent, 5000, 'the delayed chats');
    const slow = delays(events, 100002, 'c');
    expect(Math.min(...slow)).toBeGreaterThanOrEqual(24.5);
    // Cut it: the server sees the client's connection drop, and everyone forgets the client.
    await sim.link(2, 100002).down();
    await sim.forgotten(100002, { timeoutMs: 5000 });
    await sim.converged({ timeoutMs: 5000 });
    expect((await sim.serverState(1)).hosts.map((h) => h.id)).not.toContain(100002);
  });
});
