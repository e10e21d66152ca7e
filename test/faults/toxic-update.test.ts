// Updating a toxic on a live link: the new attributes apply to connections already open, what
// the old settings held is delivered at once and in order, and bad updates change nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { parseToxicSpec, updatedToxic } from '../../src/faults/registry.ts';
import { ToxicSpecError } from '../../src/faults/toxic.ts';
import { WorkerHandle } from '../../src/threads/worker-handle.ts';
import type { ProxyHostApi } from '../../src/threads/worker-api.ts';
import { Cleanup, type Peer, type TestServer, now, pattern, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function accepted(srv: TestServer, index: number): Promise<Peer> {
  return waitFor(() => srv.peers[index], 3000, `server connection #${index + 1}`);
}

/** Write `msg` and resolve with how long it took to arrive whole at `to`. */
async function oneWay(from: Peer, to: Peer, msg: string): Promise<number> {
  const want = to.bytes + msg.length;
  const t0 = now();
  from.write(msg);
  await waitFor(() => to.bytes >= want, 5000, `"${msg}" to arrive`);
  return to.chunks.at(-1)!.t - t0;
}

describe('updateToxic', () => {
  it("changes a live connection's latency (and new connections'), keeping the other attributes", async () => {
    const srv = await cleanup.server(false);
    const events: ProxyEvent[] = [];
    const proxy = await cleanup.proxy(srv.port, { onEvent: (e) => events.push(e) });
    proxy.addToxic(parseToxicSpec({ type: 'latency', name: 'lag', direction: 'upstream', ms: 300, distribution: 'normal' }));
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    expect(await oneWay(client, server, 'slow|')).toBeGreaterThanOrEqual(300);

    const info = proxy.updateToxic('lag', { ms: 20 });
    expect(info).toEqual({
      name: 'lag', type: 'latency', direction: 'upstream', toxicity: 1, attributes: { ms: 20, jitter: 0, distribution: 'normal' },
    });
    expect(proxy.toxics()).toEqual([info]);
    const fast = await oneWay(client, server, 'fast|');
    expect(fast).toBeGreaterThanOrEqual(20);
    expect(fast).toBeLessThan(200);

    const client2 = await cleanup.client(proxy.port);
    const server2 = await accepted(srv, 1);
    const fresh = await oneWay(client2, server2, 'new');
    expect(fresh).toBeGreaterThanOrEqual(20);
    expect(fresh).toBeLessThan(200);
    expect(server.received().toString()).toBe('slow|fast|');
    expect(events.find((e) => e.type === 'toxic-updated')).toMatchObject({ proxy: 'p', toxic: 'lag', attributes: { ms: 20 } });
  });

  it('delivers what the old latency held at once, in order, before what comes after', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    proxy.addToxic(parseToxicSpec({ type: 'latency', name: 'lag', direction: 'upstream', ms: 10_000 }));
    const held: Buffer[] = [];
    for (let i = 0; i < 30; i++) {
      const b = pattern(100, i);
      held.push(b);
      client.write(b);
    }
    await waitFor(() => proxy.stats().upstream.buffered === 3000, 2000, 'the bytes to be held');
    const t0 = now();
    proxy.updateToxic('lag', { ms: 50 });
    const after = pattern(500, 99);
    client.write(after);
    await waitFor(() => server.bytes >= 3000, 2000, 'the held bytes');
    expect(now() - t0).toBeLessThan(500);
    await waitFor(() => server.bytes >= 3500, 2000, 'the later bytes');
    expect(server.chunks.at(-1)!.t - t0).toBeGreaterThanOrEqual(50);
    client.write('|end'); // a marker behind everything: a duplicate would arrive before it (FIFO)
    await waitFor(() => server.received().toString('latin1').endsWith('|end'), 2000, 'the marker');
    expect(server.received().equals(Buffer.concat([...held, after, Buffer.from('|end')]))).toBe(true);
    expect(proxy.stats().upstream.buffered).toBe(0);
  });

  it('speeds up a bandwidth limit mid-transfer without losing or reordering a byte', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    proxy.addToxic(parseToxicSpec({ type: 'bandwidth', name: 'thin', direction: 'upstream', rate: 50 })); // 50 KB/s
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    const data = pattern(300_000);
    client.write(data);
    await waitFor(() => server.bytes > 0, 2000, 'the first slice');
    // the proxy has read every byte: unthrottled, they would all be at the server by now
    await waitFor(() => proxy.stats().upstream.in === data.length, 2000, 'the proxy to read everything');
    expect(server.bytes).toBeLessThan(100_000); // still throttled: most bytes are held
    proxy.updateToxic('thin', { rate: 100_000 });
    await waitFor(() => server.bytes >= data.length, 2000, 'everything, at the new rate');
    client.write('|end'); // a marker: anything extra would arrive before it (FIFO)
    await waitFor(() => server.received().toString('latin1').endsWith('|end'), 2000, 'the marker');
    expect(server.received().equals(Buffer.concat([data, Buffer.from('|end')]))).toBe(true);
  });

  it('rejects bad updates, naming the problem, and leaves the toxic as it was', async () => {
    const srv = await cleanup.server(true);
    const proxy = await cleanup.proxy(srv.port);
    proxy.addToxic(parseToxicSpec({ type: 'latency', name: 'lag', ms: 5, jitter: 1 }));
    const before = proxy.toxics();
    const error = (attrs: unknown, name = 'lag') => {
      try {
        proxy.updateToxic(name, attrs as Record<string, unknown>);
      } catch (err) {
        return err as Error;
      }
      throw new Error('accepted a bad update');
    };
    expect(error({ ms: -1 })).toBeInstanceOf(ToxicSpecError);
    expect(error({ ms: -1 }).message).toMatch(/latency.*"ms"/);
    expect(error({ jiter: 2 }).message).toMatch(/unknown attribute "jiter"/);
    expect(error({ direction: 'downstream' }).message).toMatch(/direction cannot be updated/);
    expect(error({ toxicity: 0.5, name: 'x' }).message).toMatch(/name, toxicity cannot be updated/);
    expect(error([]).message).toMatch(/must be an object/);
    expect(error({ ms: 1 }, 'nope').message).toMatch(/no toxic named "nope" \(has: lag\)/);
    expect(proxy.toxics()).toEqual(before);
  });

  it('is on the proxy-host worker API', async () => {
    const handle = new WorkerHandle<ProxyHostApi>({ kind: 'network', label: 'proxies', eventTypes: [] });
    cleanup.add(() => handle.stop());
    const srv = await cleanup.server(true);
    const port = await handle.call('addProxy', (api) => api.addProxy('a-b', { host: '127.0.0.1', port: srv.port }));
    await handle.call('addToxic', (api) => api.addToxic('a-b', parseToxicSpec({ type: 'latency', name: 'lag', direction: 'upstream', ms: 400 })));
    const client = await cleanup.client(port);
    await waitFor(() => srv.peers[0], 3000, 'the connection');
    // Merged and validated on this side, once; the whole toxic crosses the thread.
    const [lag] = await handle.call('toxics', (api) => api.toxics('a-b'));
    const info = await handle.call('replaceToxic', (api) => api.replaceToxic('a-b', updatedToxic(lag!, { ms: 10 }, 'a-b')));
    expect(info.attributes).toMatchObject({ ms: 10 });
    const t0 = now();
    client.write('ping');
    await waitFor(() => client.bytes === 4, 3000, 'the echo');
    expect(now() - t0).toBeLessThan(300);
    expect(() => updatedToxic(info, { ms: 'x' }, 'a-b')).toThrow(/"ms"/);
    // The worker asserts what replaces a toxic keeps its identity.
    await expect(handle.call('replaceToxic', (api) => api.replaceToxic('a-b', { ...info, direction: 'both' }))).rejects.toThrow(/only its attributes can be replaced/);
  });
});
