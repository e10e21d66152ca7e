// Connections that never register, frames that never finish, and more connections than the
// server will hold: each bounded by a limit with a log line and a counter, never a crash, and
// the honest clients keep being served. Timeouts are short here through the options.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { Cleanup, type RawPeer, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, monitorOf, rawClient, sample } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The server's view: how many connections it has open, registered or not. */
const openAt = (node: { connectionCounts(): { server: number; client: number; pending: number } }) => {
  const c = node.connectionCounts();
  return c.server + c.client + c.pending;
};

describe('the connection limits', () => {
  it('25 silent connections: at most 10 unregistered at once (the oldest go); at 30 open the next is refused; honest clients served', async () => {
    const { node, logs } = await cleanup.server({ id: 1, maxConnections: 30, maxUnregistered: 10 });
    const base = await monitorOf(cleanup, node);
    const silent: RawPeer[] = [];
    for (let i = 0; i < 25; i++) {
      silent.push(await cleanup.raw(node.port));
      await waitFor(() => node.connectionsOpened === i + 1, 3000, `connection ${i + 1} accepted`);
    }
    await waitFor(() => silent.filter((p) => p.closed).length === 15, 3000, 'the 15 oldest silent connections closed');
    expect(silent.slice(0, 15).every((p) => p.closed)).toBe(true);
    expect(silent.slice(15).some((p) => p.closed)).toBe(false);
    expect(node.connectionCounts().pending).toBe(10);
    expect(logs.filter((l) => l.includes('unregistered connection limit (10) reached: closing the oldest'))).toHaveLength(15);

    // An honest pair registers at once, so it is never the oldest unregistered connection.
    const { alice, bob } = await honestPair(cleanup, node.port);
    expect(alice.state().connected && bob.state().connected).toBe(true);
    for (let id = 200; openAt(node) < 30; id++) await rawClient(cleanup, node.port, id);
    const refused = await cleanup.raw(node.port);
    await waitFor(() => refused.closed, 3000, 'the 31st connection closed at once');
    expect(openAt(node)).toBe(30);
    expect(logs.some((l) => /connection limit \(30\) reached: refused 127\.0\.0\.1:\d+ \(counted in crc_connections_refused_total\)/.test(l))).toBe(true);
    await expectTalking(alice, bob, 'at the limit');

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'crc_connections_refused_total', 1)).toBe(1);
    expect(sample(metrics, 'crc_unregistered_evicted_total', 1)).toBe(node.guard.counters.unregisteredEvicted);
    expect(node.guard.counters.unregisteredEvicted).toBeGreaterThanOrEqual(15);
    expect(sample(metrics, 'crc_max_connections', 1)).toBe(30);
    expect(sample(metrics, 'crc_max_unregistered', 1)).toBe(10);
  });

  it('a connection that does not register within the registration timeout is closed; one that registers stays', async () => {
    const registrationTimeoutMs = 200;
    const { node, logs } = await cleanup.server({ id: 1, registrationTimeoutMs });
    const t0 = performance.now();
    const silent = await Promise.all([0, 1, 2, 3, 4].map(() => cleanup.raw(node.port)));
    const halfway = await cleanup.raw(node.port);
    halfway.write(encode({ type: MessageType.ClientRegistration, sourceId: 30, lastHopId: 0, name: 'slow', info: 'x' }).subarray(0, 8));
    const { alice, bob } = await honestPair(cleanup, node.port);
    const closedAt: number[] = [];
    for (const p of [...silent, halfway]) p.socket.once('close', () => closedAt.push(performance.now() - t0));
    await waitFor(() => closedAt.length === 6, 3000, 'all six unregistered connections closed');
    console.info(`unregistered connections closed ${Math.min(...closedAt).toFixed(0)}-${Math.max(...closedAt).toFixed(0)} ms after connecting (timeout ${registrationTimeoutMs} ms)`);
    expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(registrationTimeoutMs - 10);
    expect(Math.max(...closedAt)).toBeLessThan(registrationTimeoutMs + 800);
    expect(node.guard.counters.registrationTimeouts).toBe(6);
    expect(logs.filter((l) => /closed: registration timeout: not registered 0\.\d s after connecting \(counted in crc_registration_timeouts_total\)/.test(l))).toHaveLength(6);
    // The honest pair must outlive its own registration deadline too: a connection opened after
    // it and cut for its own registration timeout proves that deadline has passed.
    const later = await cleanup.raw(node.port);
    await new Promise<void>((r) => (later.socket.closed ? r() : later.socket.once('close', () => r())));
    expect(node.guard.counters.registrationTimeouts).toBe(7);
    await expectTalking(alice, bob, 'after the timeouts');
  });

  it('a frame dripped a byte at a time is cut after the frame timeout; a slow frame that completes is not; the honest pair talks throughout', async () => {
    const frameTimeoutMs = 300;
    const { node, logs } = await cleanup.server({ id: 1, frameTimeoutMs });
    const base = await monitorOf(cleanup, node);
    const { alice, bob } = await honestPair(cleanup, node.port);
    const dripper = await rawClient(cleanup, node.port, 40);
    const slow = await rawClient(cleanup, node.port, 41);
    // A header promising 64 KiB, then a byte every 20 ms.
    const header = Buffer.alloc(13);
    header[0] = MessageType.ClientChat;
    header.writeUInt32BE(40, 1);
    header.writeUInt32BE(101, 5);
    header.writeUInt32BE(64 * 1024, 9);
    const t0 = performance.now();
    dripper.socket.write(header);
    const drip = setInterval(() => { if (!dripper.socket.destroyed) dripper.socket.write('x'); }, 20);
    cleanup.add(() => clearInterval(drip));
    // 64 KiB chats to bob in four pieces 40 ms apart: 120 ms a frame, ten frames (1.2 s in all).
    const frame = encode({ type: MessageType.ClientChat, sourceId: 41, destinationId: 102, content: 's'.repeat(64 * 1024 - 16) });
    const sending = (async () => {
      for (let f = 0; f < 10; f++) {
        for (let piece = 0; piece < 4; piece++) {
          slow.socket.write(frame.subarray((piece * frame.length) / 4, ((piece + 1) * frame.length) / 4));
          await new Promise((r) => setTimeout(r, 40)); // time is under test: a slow frame, paced
        }
      }
    })();
    await expectTalking(alice, bob, 'during the drip');
    await waitFor(() => dripper.closed, 3000, 'the dripper cut');
    const cutAfter = performance.now() - t0;
    clearInterval(drip);
    await sending;
    await waitFor(() => bob.state().chatLog.filter((t) => t.startsWith('sss')).length === 10, 15_000, 'all ten slow frames at bob');
    console.info(`a frame dripped at 50 B/s cut after ${cutAfter.toFixed(0)} ms (timeout ${frameTimeoutMs} ms)`);
    expect(cutAfter).toBeGreaterThanOrEqual(frameTimeoutMs);
    expect(cutAfter).toBeLessThan(frameTimeoutMs + 1000);
    expect(slow.closed).toBe(false);
    expect(logs.some((l) => /\(client 40\) closed: frame timeout: \d+ B of a 64 KiB frame, unfinished for 0\.\d s \(counted in crc_frame_timeouts_total\)/.test(l)), logs.join('\n')).toBe(true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'crc_frame_timeouts_total', 1)).toBe(1);
    await expectTalking(alice, bob, 'after the drip');
  });
});
