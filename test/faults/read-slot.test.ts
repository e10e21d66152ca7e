// The pipe reads into a buffer of its own and, on the fast path, writes that buffer itself: the
// bytes must survive a destination that does not take them at once (the buffer is then still
// queued in the socket and the next read must go elsewhere), and the toxic path must keep
// copies, not views of a buffer the next read overwrites.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { Cleanup, accepted, pattern, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const BYTES = 8 * 1024 * 1024; // far more than the loopback socket buffers hold

describe('pipe read buffers', () => {
  it('fast path: a receiver that stops reading gets every byte intact once it reads again, both ways', async () => {
    const srv = await cleanup.server(false, true);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    server.socket.pause();
    client.socket.pause();
    client.write(pattern(BYTES));
    server.write(pattern(BYTES, 7));
    // Both receivers stalled: the proxy's writes back up, its read buffers are left queued.
    await waitFor(() => proxy.stats().upstream.buffered > 0 && proxy.stats().downstream.buffered > 0, 5000, 'the proxy to back up');
    server.socket.resume();
    client.socket.resume();
    await waitFor(() => server.bytes >= BYTES && client.bytes >= BYTES, 20_000, 'every byte');
    expect(server.received().equals(pattern(BYTES))).toBe(true);
    expect(client.received().equals(pattern(BYTES, 7))).toBe(true);
  });

  it('toxic path: chunks held by a toxic are copies, not views of the next read', async () => {
    const srv = await cleanup.server(false, true);
    const proxy = await cleanup.proxy(srv.port);
    proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 30 }));
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    // Many separate reads while the first ones are still held by the latency toxic.
    for (let i = 0; i < 64; i++) {
      client.write(pattern(4096, i * 4096));
      // one read each: the next write waits until the proxy has read this one
      await waitFor(() => proxy.stats().upstream.in >= (i + 1) * 4096, 5000, `read ${i + 1}`);
    }
    await waitFor(() => server.bytes >= 64 * 4096, 10_000, 'every byte');
    expect(server.received().equals(pattern(64 * 4096))).toBe(true);
  });
});
