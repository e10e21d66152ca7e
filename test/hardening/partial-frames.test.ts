// Unfinished frames are held at the cost of their bytes: one buffer per connection that grows by
// doubling, not one Buffer per read (a 1-byte read used to cost ~500 bytes). Measured with the
// garbage collector run before and after, on a real server fed one byte per read.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType } from '../../src/protocol/index.ts';
import { Cleanup, type RawPeer, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, monitorOf, sample } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Heap and off-heap (Buffer) bytes in use after a full collection. */
function usedBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe('partial frames', () => {
  it('200 connections each dripping a 64 KiB frame one byte per read: held bytes cost about their size; honest clients served', async () => {
    // The drippers never register and never finish: the timeouts must not end the measurement.
    const { node } = await cleanup.server({ id: 1, registrationTimeoutMs: 120_000, frameTimeoutMs: 120_000 });
    const base = await monitorOf(cleanup, node);
    const { alice, bob } = await honestPair(cleanup, node.port);
    const n = 200;
    const bytesEach = 400;
    const drippers: RawPeer[] = [];
    const header = Buffer.alloc(13);
    header[0] = MessageType.ClientChat;
    header.writeUInt32BE(64 * 1024, 9);
    for (let i = 0; i < n; i++) drippers.push(await cleanup.raw(node.port));
    const held = () => node.queueStats().partialBytes;
    for (const d of drippers) d.socket.write(header);
    await waitFor(() => held() === n * header.length, 5000, 'every header held');
    const before = usedBytes();

    // One byte per connection per round, and the next round only once the server has read
    // them all: every byte is a read of its own.
    const one = Buffer.from('x');
    for (let round = 1; round <= bytesEach; round++) {
      for (const d of drippers) d.socket.write(one);
      await waitFor(() => held() === n * (header.length + round), 5000, `round ${round} read`);
    }
    const after = usedBytes();
    const heldBytes = held();
    const perByte = (after - before) / (n * bytesEach);
    console.info(`${n} x ${bytesEach} one-byte reads held (${heldBytes} bytes): ${((after - before) / 1024).toFixed(0)} KiB more in use, ${perByte.toFixed(1)} bytes per byte held`);
    expect(heldBytes).toBe(n * (header.length + bytesEach));
    // Doubling from 256 bytes: 1 KiB for 413 bytes. One Buffer per read would be hundreds per byte.
    expect(perByte).toBeLessThan(8);
    const stats = node.queueStats();
    expect(stats.partialCapacity).toBeLessThanOrEqual(2 * stats.partialBytes + n * 256);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'crc_partial_frame_bytes', 1)).toBe(heldBytes);
    expect(sample(metrics, 'crc_partial_frame_buffer_bytes', 1)).toBe(stats.partialCapacity);
    await expectTalking(alice, bob, 'beside the drippers');
  });
});
