// Fairness under back-pressure: a client that reads nothing costs its own connection only.
// A newcomer's registration is told to every client, the stalled ones too; that must never
// hold the newcomer's reads (only chats routed toward a congested queue do). The stallers'
// SendQ timeout is a minute here: a newcomer that got through only once they were cut would
// fail the bounded waits, and each test checks they are still there, still congested.
import { afterEach, describe, expect, it } from 'vitest';
import type { CrcServerNode } from '../../src/net/server-node.ts';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, rawClient, rawServer, serverPair } from './helpers.ts';
import { congested, fedStaller, newcomerPair, unknownIdFlooder } from './stallers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const KiB = 1024;
const MiB = 1024 * 1024;
const LIMITS = { sendQueueHighWater: 64 * KiB, sendqTimeoutMs: 60_000 };

/** The newcomers got through while every staller was still registered and congested; no read of theirs was held. */
async function expectNewcomersThrough(node: CrcServerNode, stallers: number[], label: string): Promise<void> {
  const pausesBefore = node.flow.counts.readPauses;
  const ms = await newcomerPair(cleanup, node, 201);
  console.info(`${label}: a fresh pair registered and chatted in ${ms.toFixed(0)} ms`);
  for (const id of stallers) {
    expect(node.core.host(id), `staller ${id} still registered`).toBeDefined();
    expect(congested(node, id), `staller ${id} still congested`).toBe(true);
  }
  expect(node.flow.counts.readPauses - pausesBefore).toBe(0);
  expect(node.guard.counters.sendqStalled + node.guard.counters.sendqOverLimit).toBe(0);
}

describe('a stalled reader costs its own connection only', () => {
  it('one client reading nothing, fed past high water: a fresh pair registers and chats while it stays congested', async () => {
    const { node } = await cleanup.server({ id: 1, ...LIMITS });
    await fedStaller(cleanup, node, 42, 40);
    await expectNewcomersThrough(node, [42], '1 non-reader');
  });

  it('one client flooding unknown ids and reading none of the answers: a fresh pair gets through', async () => {
    const { node } = await cleanup.server({ id: 1, ...LIMITS });
    await unknownIdFlooder(cleanup, node, 42);
    await expectNewcomersThrough(node, [42], 'a non-reader flooding unknown ids');
  });

  it('24 clients reading nothing, each fed past high water: a fresh pair gets through', async () => {
    const { node } = await cleanup.server({ id: 1, ...LIMITS });
    const ids = Array.from({ length: 24 }, (_, i) => 300 + i);
    await Promise.all(ids.map((id) => fedStaller(cleanup, node, id, id + 100)));
    await expectNewcomersThrough(node, ids, '24 non-readers');
  }, 60_000);
});

/** Registrations of clients first.. with 60 KB infos, as server `via` relays them: what every client is told. */
function bigRegistrations(first: number, count: number, via: number): Buffer {
  const info = 'i'.repeat(60_000);
  return Buffer.concat(Array.from({ length: count }, (_, i) =>
    encode({ type: MessageType.ClientRegistration, sourceId: first + i, lastHopId: via, name: `big${first + i}`, info })));
}

describe('announcements relayed over a server link to a client that reads nothing', () => {
  it('never hold that link: it is read on, the pair across it talks, and the staller is cut by its own queue limit', async () => {
    // b: a 256 KiB high water, a minute's SendQ timeout, an 8 MiB queue limit.
    const { a, b } = await serverPair(cleanup, { sendQueueHighWater: 256 * KiB, sendqTimeoutMs: 60_000, maxQueueBytes: 8 * MiB });
    const { alice, bob } = await honestPair(cleanup, a.port, b.port);
    const staller = await rawClient(cleanup, b.port, 42);
    staller.socket.pause();
    const announcer = await rawServer(cleanup, a.port, 50);

    // 100 x 60 KB (6 MB, past the kernel's buffers): the staller's queue passes high water.
    announcer.write(bigRegistrations(1000, 100, 50));
    await waitFor(() => b.core.host(1099), 10_000, 'b to learn all 100 over the link');
    await waitFor(() => congested(b, 42), 10_000, 'the staller congested');
    await expectTalking(alice, bob, 'while the staller holds 6 MB of announcements');
    expect(b.core.host(42)).toBeDefined();
    expect(congested(b, 42)).toBe(true);
    expect(b.flow.counts.serverLinkPauses).toBe(0);

    // 200 more (12 MB): past the staller's 8 MiB limit, it is cut at once; nothing else is.
    announcer.write(bigRegistrations(2000, 200, 50));
    await waitFor(() => b.core.host(2199), 10_000, 'b to learn all 200 more');
    await waitFor(() => b.core.host(42) === undefined, 10_000, 'the staller cut');
    expect(b.guard.counters.sendqOverLimit).toBe(1);
    expect(b.guard.counters.sendqStalled).toBe(0);
    expect(b.flow.counts.serverLinkPauses).toBe(0);
    expect(b.core.adjacentServerIds()).toEqual([1]);
    await expectTalking(alice, bob, 'after the cut');
  }, 30_000);
});
