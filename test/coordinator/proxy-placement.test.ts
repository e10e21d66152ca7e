// Where the proxies run (ProxyPlacement) must not change what a fault does: in the dialling
// server's thread ('dialler', the default) or in a network thread, a link's toxic delays its
// chats, its proxy events reach onProxyEvent once each, and its faults outlive a crash of the
// dialler (in 'dialler' the proxy is made again in the network thread, muted) and apply to the
// restarted server's new connection.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import type { ProxyPlacement } from '../../src/placement/index.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { parseTrafficText } from '../../src/coordinator/traffic-text.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { waitFor } from '../wait.ts';

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function waitUntil(fn: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await waitFor(fn, timeoutMs, what);
}

type Chat = Extract<SimEvent, { type: 'chat-delivered' }>;
const delays = (events: SimEvent[], at: number, tag: string): number[] =>
  events
    .filter((e): e is Chat => e.type === 'chat-delivered' && e.node === at && e.content.startsWith(tag))
    .map((e) => e.t - parseTrafficText(e.content)!.sentAt);

describe.each(['dialler', 'network'] as ProxyPlacement[])('proxy placement %s', (placement) => {
  it('a toxic delays the link, its events arrive once, and it outlives a crash of the dialler', async () => {
    const events: SimEvent[] = [];
    const proxyEvents: ProxyEvent[] = [];
    // chain:3, clients 100001 on s1, 100002 on s2, 100003 on s3; s3 dials s2 (link-3-2).
    sim = await Simulation.start({
      topology: resolveTopology('chain:3', { clients: 3 }), proxyLinks: 'all', proxyPlacement: placement,
      onEvent: (e) => events.push(e), onProxyEvent: (e) => proxyEvents.push(e),
    });
    await sim.converged({ timeoutMs: 15_000 });
    const link = sim.link(3, 2);
    const name = await link.add(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 40 }));
    await waitUntil(() => proxyEvents.some((e) => e.proxy === 'link-3-2' && e.type === 'toxic-added'), 5000, 'the toxic-added event');
    expect(proxyEvents.some((e) => e.proxy === 'link-3-2' && e.type === 'proxy-conn-opened')).toBe(true);

    const before = await sim.traffic(100002, 100003, 20, 64, 500, 'a');
    await waitUntil(() => delays(events, 100003, 'a').length === before.sent, 5000, 'the delayed chats');
    expect(Math.min(...delays(events, 100003, 'a'))).toBeGreaterThanOrEqual(40);

    expect(await sim.crash(3)).toEqual([3]);
    // The link and its toxic are still there to control while s3 is down.
    expect((await link.toxics()).map((t) => t.name)).toEqual([name]);
    expect(link.faults().toxics).toEqual([name]);

    await sim.restart(3);
    await sim.known(100003, { timeoutMs: 15_000 });
    await sim.converged({ timeoutMs: 15_000 });
    const after = await sim.traffic(100002, 100003, 20, 64, 500, 'b');
    await waitUntil(() => delays(events, 100003, 'b').length === after.sent, 5000, 'the delayed chats after the restart');
    expect(Math.min(...delays(events, 100003, 'b'))).toBeGreaterThanOrEqual(40);
    const stats = await link.stats();
    expect(stats.connections.total).toBeGreaterThanOrEqual(1);
    // The proxy (made again after the crash, in 'dialler') has the faults Links holds.
    expect({ toxics: stats.toxics.map((t) => t.name), cut: stats.cut, silent: stats.silent, held: stats.held }).toEqual({ toxics: link.faults().toxics, cut: [], silent: [], held: [] });
    // The proxy made again after the crash replayed its toxic without a second event.
    await sim.stop();
    expect(proxyEvents.filter((e) => e.proxy === 'link-3-2' && e.type === 'toxic-added')).toHaveLength(1);
  });
});
