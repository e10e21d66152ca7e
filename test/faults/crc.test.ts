// Real CRC nodes behind link proxies: a server joins through a proxy, a 64 KiB chat crosses a
// slicer intact, and a cut link is a netsplit that heals (with reconnect) once the link is up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import { CrcClientNode } from '../../src/net/client-node.ts';
import { CrcServerNode } from '../../src/net/server-node.ts';
import { FrameDecoder } from '../../src/protocol/index.ts';
import { Cleanup, now, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  vi.restoreAllMocks();
});

async function server(id: number, connectTo?: number, reconnect = false): Promise<CrcServerNode> {
  const s = new CrcServerNode({
    id, name: `s${id}`, info: `server ${id}`, port: 0, joinDeadlineMs: 5000, reconnect,
    ...(connectTo ? { connectTo: { host: '127.0.0.1', port: connectTo } } : {}),
  });
  cleanup.add(() => s.stop());
  await s.start();
  return s;
}

async function client(id: number, serverPort: number): Promise<CrcClientNode> {
  const c = new CrcClientNode({ id, name: `c${id}`, info: `client ${id}`, serverPort });
  cleanup.add(() => c.state().connected && c.disconnect());
  await c.connect();
  return c;
}

/** 65,536 bytes of content (the default limit), ASCII so bytes = characters. */
function bigContent(): string {
  let s = '';
  for (let i = 0; s.length < 65_536; i++) s += `${i}:${'abcdefghijklmnopqrstuvwxyz'.slice(i % 26)}|`;
  return s.slice(0, 65_536);
}

describe('CRC servers through link proxies', () => {
  it('a server joins through a proxy, and a 64 KiB chat crosses a 1-7 byte slicer intact', async () => {
    const s1 = await server(1);
    const proxy = new LinkProxy({ name: 's2-s1', target: { host: '127.0.0.1', port: s1.port }, seed: 11 });
    cleanup.add(() => proxy.stop());
    await proxy.start();
    proxy.addToxic(parseToxicSpec({ type: 'slicer', average_size: 4, size_variation: 3, delay: 10 })); // µs apart
    const s2 = await server(2, proxy.port);
    const c1 = await client(101, s1.port);
    const c2 = await client(102, s2.port);
    await waitFor(() => s1.core.host(102) && s2.core.host(101), 5000, 'both servers to know both clients');
    expect(s1.state().adjacentServerIds).toEqual([2]);

    // Count the reads each decoder in this process is fed while the chat crosses.
    const feeds = new Map<FrameDecoder, number>();
    const feed = FrameDecoder.prototype.feed;
    vi.spyOn(FrameDecoder.prototype, 'feed').mockImplementation(function (this: FrameDecoder, chunk: Uint8Array) {
      feeds.set(this, (feeds.get(this) ?? 0) + 1);
      return feed.call(this, chunk);
    });
    const content = bigContent();
    c1.chat(102, content);
    await waitFor(() => c2.state().chatLog.length === 1, 10_000, 'the 64 KiB chat at c2');
    expect(c2.state().chatLog[0] === content).toBe(true);
    expect(s1.counters.decodeErrors + s2.counters.decodeErrors).toBe(0);
    // s2 read the 65,549-byte frame in many pieces.
    expect(Math.max(...feeds.values())).toBeGreaterThan(50);
    expect(proxy.stats().downstream.out).toBeGreaterThan(65_536);
  });

  it('a latency toxic delays a chat; down() is a netsplit that heals after up() with reconnect', async () => {
    const s1 = await server(1);
    const proxy = new LinkProxy({ name: 's2-s1', target: { host: '127.0.0.1', port: s1.port } });
    cleanup.add(() => proxy.stop());
    await proxy.start();
    const s2 = await server(2, proxy.port, true);
    const c1 = await client(101, s1.port);
    const c2 = await client(102, s2.port);
    await waitFor(() => s1.core.host(102) && s2.core.host(101), 5000, 'convergence');

    proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 40 })); // s1 -> s2
    const t0 = now();
    c1.chat(102, 'slow hello');
    await waitFor(() => c2.state().chatLog.includes('slow hello'), 3000, 'the chat');
    expect(now() - t0).toBeGreaterThanOrEqual(40);

    proxy.down();
    await waitFor(() => !s1.core.host(102) && !s2.core.host(101), 3000, 'the netsplit on both sides');
    // s2 keeps re-dialling; the proxy keeps refusing until up().
    await waitFor(() => proxy.stats().connections.refused >= 1, 3000, 'a refused re-dial');
    proxy.up();
    await waitFor(() => s1.core.host(102) && s2.core.host(101), 5000, 'the healed tree');
    c2.chat(101, 'back again');
    await waitFor(() => c1.state().chatLog.includes('back again'), 3000, 'a chat over the healed link');
  });
});
