// A peer accepted as a server by two servers of one tree, relaying between them, makes a
// cycle. A server registration that comes over one link for a server known over another shows
// it: the link it came on is closed and split off. A client id taken twice is only a collision.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import { FrameDecoder, MessageType, withLastHop } from '../../src/protocol/index.ts';
import { Cleanup, type RawPeer, waitFor } from '../net/helpers.ts';
import { expectTalking } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Once `on()` says so, copy every registration `from` receives to `to`, as server `via`; drop the rest. */
function relayRegistrations(from: RawPeer, to: RawPeer, via: number, on: () => boolean): void {
  const decoder = new FrameDecoder(); // attached before anything arrives, so it sees every frame
  from.socket.on('data', (chunk: Buffer) => {
    for (const m of decoder.feed(chunk).messages) {
      const isRegistration = m.type === MessageType.ServerRegistration || m.type === MessageType.ClientRegistration;
      if (on() && isRegistration && !to.socket.destroyed) to.socket.write(withLastHop(m.raw, via));
    }
  });
}

async function register(peer: RawPeer, id: number): Promise<void> {
  peer.write({ type: MessageType.ServerRegistration, sourceId: id, lastHopId: 0, name: `relay${id}`, info: '' });
  await waitFor(() => peer.messages.some((m) => m.type === MessageType.ServerRegistration), 3000, `relay ${id} seeded`);
}

describe('a cycle through a relaying peer', () => {
  it('is cut where it closes, and honest pairs keep talking; a client id collision splits nothing', async () => {
    const { node: a } = await cleanup.server({ id: 1 });
    // The honest tree link is the slow path (60 ms each way), so the relay's copies arrive first.
    const tree = new LinkProxy({ name: 'b-a', target: { host: '127.0.0.1', port: a.port } });
    cleanup.add(() => tree.stop());
    await tree.start();
    tree.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 60 }));
    tree.addToxic(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 60 }));
    const { node: b } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: tree.port } });
    await waitFor(() => a.core.host(2) && b.core.host(1), 3000, 'the tree a-b');

    // The relay: server 50 at a, server 51 at b; it copies registrations across and black-holes the rest.
    let relaying = false;
    const atA = await cleanup.raw(a.port);
    const atB = await cleanup.raw(b.port);
    relayRegistrations(atA, atB, 51, () => relaying);
    relayRegistrations(atB, atA, 50, () => relaying);
    await register(atA, 50);
    relaying = true;
    await register(atB, 51); // b's seed, relayed to a, shows a second path to b
    await waitFor(() => atA.closed, 3000, 'a to close the link that closed the cycle');
    expect(a.core.counters.loopsBroken).toBe(1);
    await waitFor(() => !b.core.host(50), 3000, 'b to hear that 50 is gone');
    expect(a.core.host(50)).toBeUndefined();

    const c1 = await cleanup.client({ id: 101, serverPort: a.port });
    const c2 = await cleanup.client({ id: 102, serverPort: b.port });
    await waitFor(() => c1.state().connectedUserIds.includes(102) && c2.state().connectedUserIds.includes(101), 3000, 'c1 and c2 to know each other');
    expect(a.core.host(102)?.firstLinkId).toBe(2);
    expect(b.core.host(101)?.firstLinkId).toBe(1);
    await expectTalking(c1, c2, 'across the tree', 10);

    // Two clients take id 77 at once, one on each side: each keeps its own, neither link splits.
    const x = await cleanup.client({ id: 77, name: 'x', serverPort: a.port });
    const y = await cleanup.client({ id: 77, name: 'y', serverPort: b.port });
    await waitFor(() => a.core.host(77) && b.core.host(77), 3000, 'both 77s registered locally');
    const told = (s: typeof a) => s.core.statusUpdates().includes('Someone has already registered with ID 77');
    await waitFor(() => told(a) && told(b), 3000, 'each side to answer the other\'s 77 as a duplicate');
    expect(a.core.host(77)?.firstLinkId).toBe(77);
    expect(b.core.host(77)?.firstLinkId).toBe(77);
    expect(a.core.adjacentServerIds()).toContain(2);
    expect(tree.stats().connections.open).toBe(1);
    expect(a.core.counters.loopsBroken + b.core.counters.loopsBroken).toBe(1);
    expect(x.state().connected && y.state().connected).toBe(true);
    await expectTalking(c1, c2, 'after the collision', 10);
  });
});
