// The server's own bursts are streamed as the socket drains, never queued in one turn: the seed
// to a newcomer, a re-join after a netsplit, a netsplit's departures. A tight per-connection
// queue bound (maxQueueBytes, well above the high-water mark) shows it: a burst queued at once
// would trip it and cut the peer.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, paceReads, peakOf, rawServer, relayedClients, serverPair } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const KiB = 1024;
const MiB = 1024 * 1024;
const BIG_INFO = 'i'.repeat(64 * KiB - 1);

/** Registrations for clients first..first+count-1 behind server `via`, each with a 64 KiB info. */
function bigClients(first: number, count: number, via: number): Buffer {
  const frames: Buffer[] = [];
  for (let id = first; id < first + count; id++) {
    frames.push(encode({ type: MessageType.ClientRegistration, sourceId: id, lastHopId: via, name: `big${id}`, info: BIG_INFO }));
  }
  return Buffer.concat(frames);
}

const registrationsAt = (peer: { messages: Array<{ type: number }> }) => peer.messages.filter((m) => m.type === MessageType.ClientRegistration).length;

describe('seeding a newcomer', () => {
  it('with 200 hosts of 64 KiB info (12.5 MiB): streamed as the newcomer reads, under a 4 MiB queue bound; honest clients talk meanwhile', async () => {
    const maxQueueBytes = 4 * MiB;
    const highWater = MiB;
    const { node } = await cleanup.server({ id: 1, maxQueueBytes, sendQueueHighWater: highWater });
    const feeder = await rawServer(cleanup, node.port, 50);
    feeder.write(bigClients(1000, 200, 50));
    await waitFor(() => node.core.hostCount === 201, 20_000, '200 big clients behind server 50');
    // The pair comes after: registrations relayed to a client never hold the link they come
    // over (docs/flow-control.md), so 12.5 MiB told to a client reading slower than the relay
    // would pass this 4 MiB bound. A newcomer's seed is streamed instead, which is the point here.
    const { alice, bob } = await honestPair(cleanup, node.port);

    const queued = peakOf(() => node.pendingBytes());
    const newcomer = await cleanup.raw(node.port);
    paceReads(newcomer.socket, 8 * MiB);
    newcomer.write({ type: MessageType.ClientRegistration, sourceId: 200, lastHopId: 0, name: 'newcomer', info: '' });
    await expectTalking(alice, bob, 'during the seed');
    await waitFor(() => registrationsAt(newcomer) === 202 || newcomer.closed, 20_000, 'the whole seed at the newcomer');
    const peak = queued.stop();
    console.info(`seed of 202 registrations (${(202 * 64 / 1024).toFixed(1)} MiB) to a newcomer reading at 8 MiB/s: peak server queue ${(peak / KiB).toFixed(0)} KiB`);
    expect(newcomer.closed).toBe(false);
    expect(newcomer.messages[0]).toMatchObject({ type: MessageType.Status, content: 'Welcome to the Clemson Relay Chat network newcomer' });
    const ids = newcomer.messages.filter((m) => m.type === MessageType.ClientRegistration).map((m) => m.sourceId);
    expect(ids).toEqual([...Array.from({ length: 200 }, (_, i) => 1000 + i), 101, 102]);
    expect(peak).toBeLessThan(highWater + 256 * KiB);
  }, 40_000);
});

describe('a netsplit and its heal', () => {
  it('re-joining with 200 hosts of 64 KiB info each way: streamed, the link stays up and both sides learn everything again', async () => {
    const maxQueueBytes = 4 * MiB;
    const { a, b } = await serverPair(cleanup, { maxQueueBytes, sendQueueHighWater: MiB, reconnect: true });
    const behindA = await rawServer(cleanup, a.port, 50);
    const behindB = await rawServer(cleanup, b.port, 60);
    behindA.write(bigClients(1000, 100, 50));
    behindB.write(bigClients(2000, 100, 60));
    await waitFor(() => a.core.hostCount === 203 && b.core.hostCount === 203, 20_000, 'both sides to know all 200 big clients');

    const opened = a.connectionsOpened;
    const queued = peakOf(() => Math.max(a.pendingBytes(), b.pendingBytes()));
    a.connectionTo(2)!.destroy('test: cut the link');
    await waitFor(() => a.core.hostCount === 101 && b.core.hostCount === 101, 5000, 'the netsplit on both sides');
    // b re-dials; each side then sends the other all it knows: 101 registrations of 64 KiB.
    await waitFor(() => a.core.hostCount === 203 && b.core.hostCount === 203, 20_000, 'both sides to know everything again');
    const peak = queued.stop();
    console.info(`heal with 6.3 MiB of registrations each way: peak queue ${(peak / KiB).toFixed(0)} KiB (bound ${maxQueueBytes / KiB} KiB)`);
    expect(a.connectionsOpened - opened).toBe(1); // one re-join, never cut again
    expect(peak).toBeLessThan(MiB + 256 * KiB);
    const c1 = await cleanup.client({ id: 301, serverPort: a.port });
    const c2 = await cleanup.client({ id: 302, serverPort: b.port });
    await waitFor(() => c1.state().connectedUserIds.includes(302) && c2.state().connectedUserIds.includes(301), 10_000, 'newcomers on both sides to know each other');
    await expectTalking(c1, c2, 'across the healed link');
  });

  it('announcing 40,000 departures to a client: streamed, under a 256 KiB queue bound (360 KB of quits)', async () => {
    const maxQueueBytes = 256 * KiB;
    const { node } = await cleanup.server({ id: 1, maxQueueBytes, sendQueueHighWater: 64 * KiB });
    const { alice, bob } = await honestPair(cleanup, node.port);
    const peer = await rawServer(cleanup, node.port, 50);
    // A thousand at a time (20 KB), so relaying them never comes near the bound.
    for (let i = 0; i < 40; i++) {
      peer.write(relayedClients(10_000 + i * 1000, 1000, 50));
      await waitFor(() => alice.state().connectedUserIds.length === (i + 1) * 1000 + 1, 5000, `alice to learn ${(i + 1) * 1000} clients behind 50`);
    }
    peer.destroy();
    await waitFor(() => alice.state().connectedUserIds.length === 1 || !alice.state().connected, 20_000, 'alice to hear every departure');
    expect(alice.state().connected).toBe(true);
    expect(alice.state().connectedUserIds).toEqual([102]);
    await expectTalking(alice, bob, 'after the split');
  });
});
