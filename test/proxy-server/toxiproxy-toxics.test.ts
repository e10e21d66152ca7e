// crc-proxy's toxics endpoints against toxiproxy's shapes, and the translation of toxiproxy's
// attribute names to our toxics' (checked on the LinkProxy itself through /crc/stats).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Api, startApi } from './helpers.ts';

let api: Api;
beforeEach(async () => {
  api = await startApi({ maxToxicsPerProxy: 12 });
  await api.call('POST', '/proxies', { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
});
afterEach(() => api.server.close());

const ours = async (name: string) => {
  const s = (await api.call('GET', '/proxies/redis/crc/stats')).body;
  return s.toxics.find((t: { name: string }) => t.name === name);
};

describe('crc-proxy: toxiproxy toxics', () => {
  it('the README example: 200, toxiproxy\'s exact body, default name <type>_<stream>, stream downstream', async () => {
    // README: curl -XPOST -d '{"type": "latency", "attributes": {"latency": 1000}}' .../proxies/redis/toxics
    const r = await api.call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 1000 } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ attributes: { latency: 1000, jitter: 0 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 });
    expect(await ours('latency_downstream')).toEqual({ name: 'latency_downstream', type: 'latency', direction: 'downstream', toxicity: 1, attributes: { ms: 1000, jitter: 0, distribution: 'uniform' } });
    expect((await api.call('GET', '/proxies/redis/toxics')).body).toEqual([r.body]);
    expect((await api.call('GET', '/proxies/redis/toxics/latency_downstream')).body).toEqual(r.body);
    expect((await api.call('GET', '/proxies/redis')).body.toxics).toEqual([r.body]);
  });

  it.each([
    ['latency', { latency: 50, jitter: 5 }, { ms: 50, jitter: 5, distribution: 'uniform' }],
    ['bandwidth', { rate: 100 }, { rate: 100 }],
    ['slow_close', { delay: 100 }, { delay: 100 }],
    ['timeout', { timeout: 0 }, { timeout: 0 }],
    ['reset_peer', { timeout: 10 }, { timeout: 10 }],
    ['slicer', { average_size: 64, size_variation: 32, delay: 10 }, { average_size: 64, size_variation: 32, delay: 10 }],
    ['limit_data', { bytes: 1000 }, { bytes: 1000 }],
  ])('%s: toxiproxy\'s attribute names in, ours on the proxy, toxiproxy\'s out', async (type, attributes, mine) => {
    const r = await api.call('POST', '/proxies/redis/toxics', { type, stream: 'upstream', toxicity: 0.5, attributes });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ attributes, name: `${type}_upstream`, type, stream: 'upstream', toxicity: 0.5 });
    expect((await ours(`${type}_upstream`)).attributes).toEqual(mine);
  });

  it('attributes left out take toxiproxy\'s zero values where our toxic allows them', async () => {
    const r = await api.call('POST', '/proxies/redis/toxics', { type: 'latency', name: 'l' });
    expect(r.body.attributes).toEqual({ latency: 0, jitter: 0 });
    expect((await api.call('POST', '/proxies/redis/toxics', { type: 'timeout', attributes: {} })).body.attributes).toEqual({ timeout: 0 });
    // Bandwidth 0 would stall everything: our toxic wants a rate, and says so.
    const bw = await api.call('POST', '/proxies/redis/toxics', { type: 'bandwidth' });
    expect(bw).toMatchObject({ status: 400, body: { status: 400 } });
    expect(bw.body.error).toMatch(/attributes\.rate/);
  });

  it('400s name the field: unknown type, stream, attribute (ours too), bad value, unknown top-level field', async () => {
    const post = (b: unknown) => api.call('POST', '/proxies/redis/toxics', b);
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'lag' }, /^invalid toxic type: unknown toxic type "lag"/],
      [{ attributes: {} }, /^invalid toxic type/],
      [{ type: 'latency', stream: 'sideways' }, /^stream was invalid, can be either upstream or downstream$/],
      [{ type: 'latency', attributes: { latncy: 5 } }, /unknown attribute "attributes\.latncy"/],
      [{ type: 'latency', attributes: { ms: 5 } }, /unknown attribute "attributes\.ms"/],
      [{ type: 'latency', attributes: { direction: 'both' } }, /unknown attribute "attributes\.direction"/],
      [{ type: 'latency', attributes: { latency: -1 } }, /attributes\.latency: /],
      [{ type: 'slicer', attributes: { average_size: 4, size_variation: 8 } }, /attributes\.size_variation: size_variation must be smaller/],
      [{ type: 'latency', toxicity: 2 }, /toxicity: /],
      [{ type: 'latency', direction: 'upstream' }, /unknown field "direction"/],
      [[1], /bad request body/],
    ];
    for (const [body, re] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.status).toBe(400);
      expect(r.body.error, JSON.stringify(body)).toMatch(re);
    }
    expect((await api.call('GET', '/proxies/redis/toxics')).body).toEqual([]);
  });

  it('409 for a taken name, 404 for a missing toxic, 204 on delete; upstream toxics listed first', async () => {
    await api.call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 1 } });
    expect(await api.call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 2 } }))
      .toMatchObject({ status: 409, body: { error: 'toxic already exists', status: 409 } });
    await api.call('POST', '/proxies/redis/toxics', { type: 'latency', stream: 'upstream', attributes: { latency: 1 } });
    expect((await api.call('GET', '/proxies/redis/toxics')).body.map((t: { name: string }) => t.name)).toEqual(['latency_upstream', 'latency_downstream']);
    for (const m of ['GET', 'POST', 'DELETE']) {
      expect(await api.call(m, '/proxies/redis/toxics/nope', m === 'POST' ? { attributes: {} } : undefined))
        .toMatchObject({ status: 404, body: { error: 'toxic not found', status: 404 } });
    }
    expect((await api.call('DELETE', '/proxies/redis/toxics/latency_downstream')).status).toBe(204);
    expect((await api.call('GET', '/proxies/redis/toxics')).body.map((t: { name: string }) => t.name)).toEqual(['latency_upstream']);
  });

  it('update: attributes merged (toxiproxy\'s names), toxicity changed, name/type/stream sent back unchanged are fine', async () => {
    await api.call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 100, jitter: 10 } });
    const r = await api.call('POST', '/proxies/redis/toxics/latency_downstream', { attributes: { latency: 200 } });
    expect(r).toMatchObject({ status: 200, body: { attributes: { latency: 200, jitter: 10 }, toxicity: 1 } });
    expect((await ours('latency_downstream')).attributes).toMatchObject({ ms: 200, jitter: 10 });
    const t = await api.call('PATCH', '/proxies/redis/toxics/latency_downstream', { ...r.body, toxicity: 0.25 });
    expect(t.body).toEqual({ ...r.body, toxicity: 0.25 });
    expect((await ours('latency_downstream')).toxicity).toBe(0.25);
    expect((await api.call('POST', '/proxies/redis/toxics/latency_downstream', { stream: 'upstream' })).body.error).toMatch(/"stream" cannot be changed/);
    expect((await api.call('POST', '/proxies/redis/toxics/latency_downstream', { attributes: { latency: 'slow' } })).body.error).toMatch(/attributes\.latency/);
  });

  it('--max-toxics bounds the toxics of one proxy (409, logged)', async () => {
    for (let i = 0; i < 12; i++) expect((await api.call('POST', '/proxies/redis/toxics', { type: 'latency', name: `l${i}` })).status).toBe(200);
    const r = await api.call('POST', '/proxies/redis/toxics', { type: 'latency', name: 'one-more' });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/--max-toxics/);
    expect(api.logs.some((l) => l.includes('one-more refused'))).toBe(true);
    expect(api.server.snapshot().toxics).toMatchObject({ maxPerProxy: 12, added: 12, refusedFull: 1 });
  });

  it('our native path: POST /crc/toxics takes a ToxicSpec (our names, direction both), /crc/toxics/{name} updates it', async () => {
    const r = await api.call('POST', '/proxies/redis/crc/toxics', { type: 'latency', ms: 20, name: 'lag' });
    expect(r).toMatchObject({ status: 200, body: { name: 'lag', type: 'latency', direction: 'both', toxicity: 1, attributes: { ms: 20, jitter: 0 } } });
    // toxiproxy's view of it: one toxic on both streams.
    expect((await api.call('GET', '/proxies/redis/toxics/lag')).body).toEqual({ attributes: { latency: 20, jitter: 0 }, name: 'lag', type: 'latency', stream: 'both', toxicity: 1 });
    expect((await api.call('POST', '/proxies/redis/crc/toxics/lag', { ms: 30 })).body.attributes.ms).toBe(30);
    expect((await api.call('POST', '/proxies/redis/crc/toxics', { type: 'latency', ms: -1 })).body.error).toMatch(/attribute "ms"/);
    expect((await api.call('POST', '/proxies/redis/crc/toxics/lag', { mss: 1 })).status).toBe(400);
    expect((await api.call('POST', '/proxies/redis/crc/toxics', { type: 'latency', ms: 1, name: 'lag' })).status).toBe(409);
  });
});
