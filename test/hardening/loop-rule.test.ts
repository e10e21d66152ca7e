// The loop rule keeps the established link. A peer that registers as the same server id on two
// adjacent servers a and b at once, then relays frames between its two connections, makes each
// of them hear of that id over the honest a-b link while it knows it over the peer's own link.
// The rule must cut the peer's (newer) links, never the honest one: afterwards a and b are
// still linked, the fake server is forgotten and every honest pair chats.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import type { CrcClientNode } from '../../src/net/client-node.ts';
import { FrameDecoder, MessageType } from '../../src/protocol/index.ts';
import { Cleanup, type RawPeer, waitFor } from '../net/helpers.ts';
import { expectTalking } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const FAKE = 60;

/**
 * Copy the chats and statuses `from` receives to `to`, as a relay between the peer's two
 * connections would (registrations are left out: relayed, they would show the cycle on the
 * peer's own links first).
 */
function relay(from: RawPeer, to: RawPeer): void {
  const decoder = new FrameDecoder();
  from.socket.on('data', (chunk: Buffer) => {
    for (const m of decoder.feed(chunk).messages) {
      if ((m.type === MessageType.ClientChat || m.type === MessageType.Status) && !to.socket.destroyed) to.socket.write(m.raw);
    }
  });
}

describe('a peer registered as one server id on two adjacent servers at once', () => {
  it('loses its own links; the honest link a-b stays up and 4 of 4 honest pairs chat', async () => {
    const { node: a } = await cleanup.server({ id: 1 });
    // The honest link is slow (60 ms each way), so the peer's own registrations land first on both sides.
    const slow = new LinkProxy({ name: 'b-a', target: { host: '127.0.0.1', port: a.port } });
    cleanup.add(() => slow.stop());
    await slow.start();
    slow.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 60 }));
    slow.addToxic(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 60 }));
    const { node: b } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: slow.port } });
    await waitFor(() => a.core.host(2) && b.core.host(1), 3000, 'the tree a-b');
    const pairs: Array<[CrcClientNode, CrcClientNode]> = [];
    for (let i = 0; i < 4; i++) {
      pairs.push([await cleanup.client({ id: 101 + i, serverPort: a.port }), await cleanup.client({ id: 201 + i, serverPort: b.port })]);
    }
    await waitFor(() => pairs.every(([x, y]) => x.state().connectedUserIds.includes(y.id) && y.state().connectedUserIds.includes(x.id)), 5000, 'the pairs');

    const atA = await cleanup.raw(a.port);
    const atB = await cleanup.raw(b.port);
    relay(atA, atB);
    relay(atB, atA);
    const fake = { type: MessageType.ServerRegistration, sourceId: FAKE, lastHopId: 0, name: 'fake', info: '' } as const;
    atA.write(fake);
    atB.write(fake);

    await waitFor(() => atA.closed && atB.closed, 5000, 'both of the peer\'s links closed');
    await waitFor(() => !a.core.host(FAKE) && !b.core.host(FAKE), 5000, 'the fake server forgotten on both sides');
    expect(a.core.counters.loopsBroken + b.core.counters.loopsBroken).toBeGreaterThanOrEqual(1);
    expect(a.core.adjacentServerIds()).toEqual([2]);
    expect(b.core.adjacentServerIds()).toEqual([1]);
    expect(slow.stats().connections.open).toBe(1);
    for (const [x, y] of pairs) await expectTalking(x, y, `pair ${x.id}-${y.id}`);
  });
});
