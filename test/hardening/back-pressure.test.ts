// Back-pressure, not amputation: a send queue past high water stops the reads that feed it (TCP
// then pushes back on the sender), a peer is cut only when its queue makes no progress for the
// SendQ timeout, and all queues together stay within one budget. Honest pairs keep talking.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { chatFrame, expectTalking, honestPair, monitorOf, paceReads, peakOf, rawClient, sample, sendPaced, serverPair } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const KiB = 1024;
const MiB = 1024 * 1024;
/** What one read can add past high water before its connection is paused: a 64 KiB read's frames, and one more frame. */
const OVERSHOOT = 256 * KiB;

const chatsFrom = (peer: { messages: Array<{ type: number }> }) => peer.messages.filter((m) => m.type === MessageType.ClientChat).length;

describe('a receiver slower than its sender', () => {
  it('reading at 2.5 MiB/s from a sender at 8 MiB/s: the sender is held, the receiver is never cut, every chat arrives', async () => {
    const highWater = 256 * KiB;
    // The old cut at maxQueueBytes would trip within a second here.
    const { node } = await cleanup.server({ id: 1, sendQueueHighWater: highWater, maxQueueBytes: 2 * MiB });
    const base = await monitorOf(cleanup, node);
    const sender = await rawClient(cleanup, node.port, 30);
    const receiver = await rawClient(cleanup, node.port, 31);
    paceReads(receiver.socket, 2.5 * MiB);
    const frame = chatFrame(30, 31, 60_000);
    const total = 8 * MiB;
    const queued = peakOf(() => node.pendingBytes());
    const sent = await sendPaced(sender.socket, frame, 8 * MiB, total, () => receiver.closed);
    const n = Math.round(sent / frame.length);
    await waitFor(() => chatsFrom(receiver) === n || receiver.closed, 20_000, `all ${n} chats at the receiver`);
    const peak = queued.stop();
    expect(receiver.closed).toBe(false);
    expect(chatsFrom(receiver)).toBe(n);
    expect(peak).toBeLessThanOrEqual(highWater + OVERSHOOT);
    console.info(`8 MiB at 8 MiB/s to a 2.5 MiB/s reader: peak server queue ${(peak / KiB).toFixed(0)} KiB (high water ${highWater / KiB} KiB); reads paused ${node.flow.counts.readPauses} times`);
    expect(node.flow.counts.readPauses).toBeGreaterThan(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'crc_reads_paused_total', 1)).toBe(node.flow.counts.readPauses);
    expect(metrics).toContain('crc_sendq_exceeded_total{server_id="1",reason="stalled"} 0');
  });
});

describe('a peer that reads nothing', () => {
  it('holds only its feeder, not the honest pair; after the SendQ timeout it is cut with an IRC-style reason and the feeder resumes', async () => {
    const highWater = 256 * KiB;
    const sendqTimeoutMs = 1500;
    const { node, logs } = await cleanup.server({ id: 1, sendQueueHighWater: highWater, sendqTimeoutMs });
    const { alice, bob } = await honestPair(cleanup, node.port);
    const feeder = await rawClient(cleanup, node.port, 40);
    const staller = await rawClient(cleanup, node.port, 42);
    staller.socket.pause();
    const queued = peakOf(() => node.pendingBytes());
    // Bounded: far past the kernel's buffers (a few MiB on loopback) and past any sane queue.
    // A staller reading nothing never sees its close either: what the server knows is what counts.
    const cut = () => node.core.host(42) === undefined;
    const feeding = sendPaced(feeder.socket, chatFrame(40, 42, 60_000), 32 * MiB, 24 * MiB, cut);
    // The kernel may take a little more now and then early on, ending a congestion (the queue
    // back to a quarter of high water): the cut counts from the start of the last one.
    let congestedAt = 0;
    const watch = peakOf(() => {
      if (cut()) return 0;
      const q = node.pendingBytes();
      if (q <= highWater / 4) congestedAt = 0;
      else if (q > highWater && congestedAt === 0) congestedAt = performance.now();
      return 0;
    });
    await waitFor(() => node.pendingBytes() > highWater, 10_000, 'the staller\'s queue past high water');

    // The honest pair does not feed the staller: it keeps talking while the feeder is held.
    await expectTalking(alice, bob, 'meanwhile', 20, 1000);
    expect(node.core.host(42)).toBeDefined();

    await waitFor(cut, sendqTimeoutMs + 3000, 'the staller cut');
    const cutAfter = performance.now() - congestedAt;
    watch.stop();
    await feeding;
    const peak = queued.stop();
    expect(peak).toBeLessThanOrEqual(highWater + OVERSHOOT);
    const line = logs.find((l) => l.includes('SendQ exceeded'));
    console.info(`staller cut ${cutAfter.toFixed(0)} ms after its queue passed high water; peak server queue ${(peak / KiB).toFixed(0)} KiB; ${line}`);
    expect(line).toMatch(/connection \d+ \(client 42\) closed: SendQ exceeded: [\d.]+ (KiB|MiB) queued, [\d.]+ (B|KiB) read in 1\.\d s \(counted in crc_sendq_exceeded_total\)/);
    expect(cutAfter).toBeGreaterThanOrEqual(sendqTimeoutMs - 100);
    expect(cutAfter).toBeLessThan(sendqTimeoutMs + 2000);
    expect(node.guard.counters.sendqStalled).toBe(1);

    // The feeder was held, never cut: it is read again and reaches the others.
    expect(feeder.closed).toBe(false);
    feeder.write({ type: MessageType.ClientChat, sourceId: 40, destinationId: 101, content: 'after the cut' });
    await waitFor(() => alice.state().chatLog.includes('after the cut'), 5000, 'the feeder\'s chat after the cut');
    await expectTalking(alice, bob, 'after');
  });
});

/** Servers 1 (a) and 2 (b) with a 256 KiB high-water mark and a 1 s SendQ timeout, alice at a, bob at b, and client 42 at b reading nothing. */
async function stallerAcrossALink() {
  const { a, b } = await serverPair(cleanup, { sendQueueHighWater: 256 * KiB, sendqTimeoutMs: 1000 });
  const { alice, bob } = await honestPair(cleanup, a.port, b.port);
  const staller = await rawClient(cleanup, b.port, 42);
  staller.socket.pause();
  return { a, b, alice, bob };
}

describe('a peer that reads nothing, fed across a server link', () => {
  it('holds that link (everything over it waits) only until the SendQ timeout; then the pair across it talks again, the link never cut', async () => {
    const { a, b, alice, bob } = await stallerAcrossALink();
    const feeder = await rawClient(cleanup, a.port, 40);
    await waitFor(() => a.core.host(42), 3000, 'a to learn the staller');
    const queued = peakOf(() => b.pendingBytes());
    const cut = () => b.core.host(42) === undefined;
    const feeding = sendPaced(feeder.socket, chatFrame(40, 42, 60_000), 32 * MiB, 24 * MiB, cut);
    await waitFor(cut, 10_000, 'b to cut the staller');
    await feeding;
    const peak = queued.stop();
    expect(peak).toBeLessThanOrEqual(256 * KiB + OVERSHOOT);
    await expectTalking(alice, bob, 'across the link after the cut');
    console.info(`staller behind a link: b's peak queue ${(peak / KiB).toFixed(0)} KiB; b held the link from a ${b.flow.counts.serverLinkPauses} times`);
    expect(b.flow.counts.serverLinkPauses).toBeGreaterThanOrEqual(1);
    expect(b.guard.counters.sendqStalled).toBe(1);
    expect(a.core.adjacentServerIds()).toEqual([2]);
    expect(feeder.closed).toBe(false);
  });
});

describe('a server link waiting on a stalled client behind it', () => {
  it('gets three times the SendQ timeout: b cuts its staller after 0.5-0.55 s, a\'s timeout is 0.3 s, and the link a-b is never cut', async () => {
    const highWater = 256 * KiB;
    const { node: a, logs } = await cleanup.server({ id: 1, sendQueueHighWater: highWater, sendqTimeoutMs: 300 });
    // b: a client holding a link gets a quarter of 2 s; the 200 ms registration timeout makes b look every 50 ms.
    const { node: b } = await cleanup.server({
      id: 2, sendQueueHighWater: highWater, sendqTimeoutMs: 2000, registrationTimeoutMs: 200, connectTo: { host: '127.0.0.1', port: a.port },
    });
    await waitFor(() => a.core.host(2) && b.core.host(1), 3000, 'a and b joined');
    const { alice, bob } = await honestPair(cleanup, a.port, b.port);
    const staller = await rawClient(cleanup, b.port, 42);
    staller.socket.pause();
    const feeder = await rawClient(cleanup, a.port, 40);
    await waitFor(() => a.core.host(42), 3000, 'a to learn the staller');
    // a's queue toward b fills as soon as b holds that link; b holds it until it cuts the staller.
    const cut = () => b.core.host(42) === undefined;
    await sendPaced(feeder.socket, chatFrame(40, 42, 60_000), 32 * MiB, 24 * MiB, cut);
    await waitFor(cut, 10_000, 'b to cut the staller');
    await expectTalking(alice, bob, 'across the link');
    expect(a.core.adjacentServerIds()).toEqual([2]);
    expect(a.guard.counters.sendqStalled).toBe(0);
    expect(logs.some((l) => l.includes('SendQ exceeded'))).toBe(false);
  });
});

describe('the send budget', () => {
  it('holds all queues together under it while six stallers fill up; they are cut in time and the honest pair talks again', async () => {
    const highWater = 512 * KiB;
    const budget = 2 * MiB; // six congested queues would hold three times as much
    const { node } = await cleanup.server({ id: 1, sendQueueHighWater: highWater, sendBudgetBytes: budget, sendqTimeoutMs: 1000 });
    const base = await monitorOf(cleanup, node);
    const { alice, bob } = await honestPair(cleanup, node.port);
    const pairs = await Promise.all([0, 1, 2, 3, 4, 5].map(async (i) => {
      const staller = await rawClient(cleanup, node.port, 60 + i);
      staller.socket.pause();
      return { staller, feeder: await rawClient(cleanup, node.port, 50 + i) };
    }));
    const queued = peakOf(() => node.pendingBytes());
    const gone = (id: number) => () => node.core.host(id) === undefined;
    const feeding = pairs.map(({ feeder }, i) =>
      sendPaced(feeder.socket, chatFrame(50 + i, 60 + i, 60_000), 16 * MiB, 12 * MiB, gone(60 + i)));
    // Each feeder stops once its staller is gone, or after 12 MiB.
    await Promise.all(feeding);
    const peak = queued.stop();
    expect(peak).toBeLessThanOrEqual(budget + OVERSHOOT);
    expect(pairs.every((_p, i) => gone(60 + i)())).toBe(true);
    console.info(`six stallers, budget ${budget / MiB} MiB: peak of all queues ${(peak / KiB).toFixed(0)} KiB; budget exceeded ${node.flow.counts.budgetPauses} times`);
    expect(node.flow.counts.budgetPauses).toBeGreaterThanOrEqual(1);
    expect(node.guard.counters.sendqStalled).toBe(6);
    expect(pairs.every((p) => !p.feeder.closed)).toBe(true);
    await waitFor(() => !node.flow.overBudget, 3000, 'the budget pause over');
    await expectTalking(alice, bob, 'after the stallers');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'crc_send_budget_exceeded_total', 1)).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'crc_send_budget_bytes', 1)).toBe(budget);
  });
});
