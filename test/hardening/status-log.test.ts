// Who may write a server's status log, and how much of it is kept: only a registered peer
// behind whose connection the source lies (or the answer to our own join), into a ring.
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusCode } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, monitorOf, rawClient, sample, statusFrame } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the status log', () => {
  it('is not written by an unregistered connection nor with a forged source; those are counted', async () => {
    let rejected = 0;
    const { node, logs } = await cleanup.server({ id: 1, onEvent: (e) => { if (e.type === 'protocol-error') rejected++; } });
    const { alice, bob } = await honestPair(cleanup, node.port);
    const stranger = await cleanup.raw(node.port); // never registers
    const forger = await rawClient(cleanup, node.port, 30);
    const n = 20_000;
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) frames.push(statusFrame(1000 + i, i % 2 === 0 ? 0 : 1, `stranger ${i}`));
    stranger.write(Buffer.concat(frames));
    forger.write(statusFrame(101, 0, 'I am alice, honest')); // 30 claiming to be 101
    await waitFor(() => rejected === n + 1, 10_000, `${n + 1} rejected statuses`);
    expect(node.core.statusUpdates()).toEqual([]);
    expect(node.core.counters.statusesRejected).toBe(n + 1);
    expect(node.protocolErrors).toBe(n + 1);
    // Rejections are logged, but a flood of them is not a flood of log lines.
    expect(logs.filter((l) => l.includes('not logged')).length).toBeLessThanOrEqual(40);
    await expectTalking(alice, bob, 'after the flood');
    expect(stranger.closed).toBe(false);
  });

  it('keeps the newest statusLogSize entries of a registered peer, counts the dropped, says so once', async () => {
    const { node, logs } = await cleanup.server({ id: 1, statusLogSize: 100 });
    const monitor = await monitorOf(cleanup, node);
    const { alice, bob } = await honestPair(cleanup, node.port);
    const writer = await rawClient(cleanup, node.port, 30);
    const n = 5000;
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) frames.push(statusFrame(30, 0, `entry ${i}`));
    writer.write(Buffer.concat(frames));
    await waitFor(() => node.core.statusUpdates().at(-1) === `entry ${n - 1}`, 10_000, 'the last status logged');
    const kept = node.core.statusUpdates();
    expect(kept).toHaveLength(100);
    expect(kept[0]).toBe(`entry ${n - 100}`);
    expect(node.core.statusLogDropped).toBe(n - 100);
    const metrics = await (await fetch(`${monitor}/metrics`)).text();
    expect(sample(metrics, 'crc_status_log_dropped_total', 1)).toBe(n - 100);
    expect(sample(metrics, 'crc_status_log_size', 1)).toBe(100);
    expect(logs.filter((l) => l.includes('status log full (100 entries)'))).toHaveLength(1);
    await expectTalking(alice, bob, 'after the log filled');
  });

  it('takes the duplicate-id answer to our own join, and nothing else on that pending link', async () => {
    // A bootstrap "server" that answers a join with a refusal, then keeps talking.
    const bootstrap = net.createServer((socket) => {
      socket.once('data', () => socket.write(Buffer.concat([
        statusFrame(9, 0, 'A machine has already registered with ID 2', StatusCode.DuplicateId),
        statusFrame(9, 0, 'and again', StatusCode.DuplicateId),
        statusFrame(9, 0, 'welcome after all?', StatusCode.Welcome),
      ])));
    });
    await new Promise<void>((r) => bootstrap.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise((r) => bootstrap.close(r)));
    let rejected = 0;
    const { node: twin } = await cleanup.server({
      id: 2, connectTo: { host: '127.0.0.1', port: (bootstrap.address() as AddressInfo).port },
      onEvent: (e) => { if (e.type === 'protocol-error') rejected++; },
    });
    await waitFor(() => rejected === 2, 3000, 'the two later statuses rejected');
    expect(twin.core.statusUpdates()).toEqual(['A machine has already registered with ID 2']);
    expect(twin.core.counters.statusesRejected).toBe(2);
  });
});
