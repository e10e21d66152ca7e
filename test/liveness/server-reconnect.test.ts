// Servers re-dialling their bootstrap: a re-dial that would close a cycle (a second link to
// a server that still holds the first, or a link into its own tree) is refused, and the tree
// ends loop-free; once the far end lets the old link go, the re-dial gets in.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/net/events.ts';
import type { CrcServerNode } from '../../src/net/server-node.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * A TCP relay in front of `port` whose connections can be frozen one by one: nothing crosses a
 * frozen one any more, in either direction, and it is never closed (a partition that loses
 * even the FIN).
 */
async function freezableRelay(port: number): Promise<{ port: number; freeze: (index: number) => void }> {
  const pairs: Array<{ frozen: boolean }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (a) => {
    const b = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const pair = { frozen: false };
    pairs.push(pair);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      sockets.add(from);
      from.on('error', () => {});
      from.on('data', (d: Buffer) => { if (!pair.frozen) to.write(d); });
      from.on('end', () => { if (!pair.frozen) to.end(); });
      from.on('close', () => { if (!pair.frozen) to.destroy(); });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.add(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return { port: (server.address() as net.AddressInfo).port, freeze: (i) => { pairs[i]!.frozen = true; } };
}

function recorder(): { events: NodeEvent[]; onEvent: (e: NodeEvent) => void } {
  const events: NodeEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

const linked = (a: CrcServerNode, b: CrcServerNode) => a.core.adjacentServerIds().includes(b.id) && b.core.adjacentServerIds().includes(a.id);

describe('a server re-dialling its bootstrap', () => {
  it('is refused while the far end still holds its old link (a second path), then let in once that link is dead', async () => {
    // s1 is slow to give up on a silent link (2 s), s2 quick (400 ms).
    const r1 = recorder();
    const r2 = recorder();
    const { node: s1 } = await cleanup.server({ id: 1, pingIntervalMs: 100, pingTimeoutMs: 2000, onEvent: r1.onEvent });
    const relay = await freezableRelay(s1.port);
    const { node: s2 } = await cleanup.server({
      id: 2, pingIntervalMs: 100, pingTimeoutMs: 400, reconnect: true, onEvent: r2.onEvent,
      connectTo: { host: '127.0.0.1', port: relay.port },
    });
    await waitFor(() => linked(s1, s2), 3000, 's1 and s2 linked');

    relay.freeze(0);
    // s2 gives up on the old link and re-dials; s1 still has 2 on the old one, and says so.
    await waitFor(() => s2.core.statusUpdates().includes('A machine has already registered with ID 2'), 3000, 's2 to be refused');
    expect(r2.events.find((e) => e.type === 'link-dead')).toMatchObject({ peerId: 1, reason: 'ping timeout' });
    expect(s1.core.adjacentServerIds()).toEqual([2]); // the old link, never a second one
    expect(s1.connectionCounts().server).toBe(1);

    // Once s1 times the old link out, a re-dial gets in: one link each way, the tree whole.
    await waitFor(() => linked(s1, s2), 6000, 'the re-dial to be let in');
    expect(r1.events.find((e) => e.type === 'link-dead')).toMatchObject({ peerId: 2, reason: 'ping timeout' });
    expect(r2.events.some((e) => e.type === 'link-dead' && e.reason === 'join timeout')).toBe(true);
    expect(s1.connectionCounts().server).toBe(1);
    expect(s2.connectionCounts().server).toBe(1);
    expect(s1.core.host(2)?.firstLinkId).toBe(2);
  });

  it('is refused when its bootstrap is already in its own tree (it would close a cycle); the tree stays as it was', async () => {
    const { node: s1 } = await cleanup.server({ id: 1, pingIntervalMs: 100 });
    const { node: s2 } = await cleanup.server({ id: 2, pingIntervalMs: 100, connectTo: { host: '127.0.0.1', port: s1.port } });
    const r3 = recorder();
    const { node: s3 } = await cleanup.server({ id: 3, pingIntervalMs: 100, reconnect: true, onEvent: r3.onEvent, connectTo: { host: '127.0.0.1', port: s2.port } });
    await waitFor(() => s1.core.host(3) && s3.core.host(1), 3000, 'the chain s1-s2-s3');

    await s3.join({ host: '127.0.0.1', port: s1.port }); // re-pointed at the root: a second path to it
    await waitFor(() => s3.core.statusUpdates().includes('A machine has already registered with ID 3'), 3000, 's3 to be refused');
    // Given up after the timeout and re-dialled (refused again): never let in.
    await waitFor(() => r3.events.filter((e) => e.type === 'link-dead' && e.reason === 'join timeout').length >= 2, 5000, 'two refused tries');
    expect(s1.core.adjacentServerIds()).toEqual([2]);
    expect(s3.core.adjacentServerIds()).toEqual([2]);
    expect(s1.core.host(3)?.firstLinkId).toBe(2);
    expect(s3.core.host(1)?.firstLinkId).toBe(2);
    expect(r3.events.filter((e) => e.type === 'host-forgotten')).toEqual([]);
  });
});
