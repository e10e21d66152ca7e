// toxiproxy-node-client (a toxiproxy client library) driving crc-proxy exactly as its README
// shows: create a proxy, add a toxic, and the delay is measured on a real socket through it.
import { afterEach, describe, expect, it } from 'vitest';
import { type ICreateToxicBody, type Latency, Toxiproxy } from 'toxiproxy-node-client';
import { Cleanup, type Peer, now, waitFor } from '../faults/helpers.ts';
import { type Api, startApi } from './helpers.ts';

const cleanup = new Cleanup();
let api: Api;
afterEach(async () => {
  await api?.server.close();
  await cleanup.run();
});

/** One round trip of a few bytes through an echo server, ms. */
async function roundTrip(c: Peer, tag: string): Promise<number> {
  const before = c.bytes;
  const t0 = now();
  c.write(tag);
  await waitFor(() => c.bytes >= before + tag.length, 10_000, `echo of ${tag}`);
  return now() - t0;
}

describe('crc-proxy with toxiproxy-node-client', () => {
  it('README usage: createProxy, addToxic latency (delay measured through it), remove', async () => {
    api = await startApi();
    const echo = await cleanup.server(true);
    const toxiproxy = new Toxiproxy(api.url);
    const proxyBody = {
      listen: 'localhost:0',
      name: 'redis',
      upstream: `127.0.0.1:${echo.port}`,
    };
    const proxy = await toxiproxy.createProxy(proxyBody);
    expect(proxy.name).toBe('redis');
    expect(proxy.enabled).toBe(true);
    const port = Number(proxy.listen.split(':').pop());
    const c = await cleanup.client(port);
    const fast = await roundTrip(c, 'a');

    const LATENCY = 300;
    const toxicBody = <ICreateToxicBody<Latency>>{
      attributes: <Latency>{ latency: LATENCY },
      type: 'latency',
    };
    const toxic = await proxy.addToxic(toxicBody);
    expect(toxic.toJson()).toEqual({ attributes: { latency: LATENCY, jitter: 0 }, name: 'latency_downstream', stream: 'downstream', toxicity: 1, type: 'latency' });
    // Downstream latency delays the echo coming back by at least LATENCY (a lower bound: never early).
    const slow = await roundTrip(c, 'b');
    expect(slow).toBeGreaterThanOrEqual(LATENCY - 1);

    const updated = await toxic.update({ ...toxic.toJson(), attributes: { latency: 50, jitter: 0 } });
    expect(updated.attributes).toEqual({ latency: 50, jitter: 0 });

    await toxic.remove();
    expect((await toxiproxy.get('redis')).toJson()).toMatchObject({ name: 'redis', enabled: true });
    const after = await roundTrip(c, 'c');
    // Without the toxic the round trip is back under the latency (generous: a loaded machine).
    expect(after).toBeLessThan(LATENCY);
    expect(fast).toBeLessThan(LATENCY);
  });

  it('populate, getAll, getVersion, update (disable), reset, remove', async () => {
    api = await startApi();
    const toxiproxy = new Toxiproxy(api.url);
    const made = await toxiproxy.populate([
      { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' },
      { name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:2' },
    ]);
    expect(Object.keys(made)).toEqual(['a', 'b']);
    expect(Object.keys(await toxiproxy.getAll())).toEqual(['a', 'b']);
    expect(JSON.parse(await toxiproxy.getVersion())).toHaveProperty('version');
    const off = await made.a!.update({ ...made.a!.toJson(), enabled: false });
    expect(off.enabled).toBe(false);
    await made.b!.addToxic(<ICreateToxicBody<Latency>>{ type: 'latency', attributes: { latency: 10 } });
    await toxiproxy.reset();
    const all = await toxiproxy.getAll();
    expect(all.a!.enabled).toBe(true);
    expect((await api.call('GET', '/proxies/b/toxics')).body).toEqual([]);
    await all.b!.remove();
    expect(Object.keys(await toxiproxy.getAll())).toEqual(['a']);
    // Errors come back as the library's error, from our status codes.
    await expect(toxiproxy.get('b')).rejects.toThrow(/404/);
  });
});
