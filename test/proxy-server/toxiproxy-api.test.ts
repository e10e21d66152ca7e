// crc-proxy's toxiproxy endpoints, request for request against toxiproxy 2.x's published
// shapes (README "HTTP API", api.go's status codes, api_test.go's error texts).
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, Peer, accepted, waitFor } from '../faults/helpers.ts';
import { type Api, startApi } from './helpers.ts';

const cleanup = new Cleanup();
let api: Api;
afterEach(async () => {
  await api?.server.close();
  await cleanup.run();
});

const start = async (opts = {}) => (api = await startApi(opts));
const portOf = (listen: string) => Number(listen.split(':').pop());

describe('crc-proxy: toxiproxy proxies', () => {
  it('GET /version answers {"version": ...}', async () => {
    await start();
    const r = await api.call('GET', '/version');
    expect(r.status).toBe(200);
    expect(typeof r.body.version).toBe('string');
  });

  it('POST /proxies: 201 with the proxy, listen on port 0 reported with the real port; GET /proxies keyed by name', async () => {
    await start();
    const srv = await cleanup.server(true);
    const r = await api.call('POST', '/proxies', { name: 'redis', listen: 'localhost:0', upstream: `127.0.0.1:${srv.port}` });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ name: 'redis', listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/), upstream: `127.0.0.1:${srv.port}`, enabled: true, toxics: [] });
    expect(Object.keys(r.body)).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    const port = portOf(r.body.listen);
    expect(port).toBeGreaterThan(0);
    // The proxy is live on that port.
    const c = await cleanup.client(port);
    c.write('ping');
    await waitFor(() => c.received().toString() === 'ping', 3000, 'echo through the proxy');

    const all = await api.call('GET', '/proxies');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ redis: r.body });
    expect((await api.call('GET', '/proxies/redis')).body).toEqual(r.body);
  });

  it('errors: 409 duplicate, 400 missing fields (toxiproxy\'s texts), 404 unknown proxy, 405 wrong method, 403 browsers', async () => {
    await start();
    await api.call('POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    expect(await api.call('POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }))
      .toMatchObject({ status: 409, body: { error: 'proxy already exists', status: 409 } });
    expect(await api.call('POST', '/proxies', { listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }))
      .toMatchObject({ status: 400, body: { error: 'missing required field: name', status: 400 } });
    expect(await api.call('POST', '/proxies', { name: 'b', listen: '127.0.0.1:0' }))
      .toMatchObject({ status: 400, body: { error: 'missing required field: upstream', status: 400 } });
    expect((await api.call('POST', '/proxies', '{not json')).status).toBe(400);
    expect((await api.call('POST', '/proxies', { name: 'c', upstream: 'nohost' })).body.error).toMatch(/upstream.*not host:port/);
    expect((await api.call('POST', '/proxies', { name: 'c', upstream: 'h:1', lisen: 'x' })).body.error).toMatch(/unknown field "lisen"/);
    for (const [m, p] of [['GET', '/proxies/nope'], ['DELETE', '/proxies/nope'], ['GET', '/proxies/nope/toxics'], ['POST', '/proxies/nope/toxics']]) {
      expect(await api.call(m!, p!, m === 'POST' ? { type: 'latency' } : undefined)).toMatchObject({ status: 404, body: { error: 'proxy not found', status: 404 } });
    }
    const wrong = await api.call('PUT', '/proxies');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect((await api.call('GET', '/proxies', undefined, { 'user-agent': 'Mozilla/5.0 (X11)' })).status).toBe(403);
  });

  it('a listen address in use is a 500 with the error, as toxiproxy answers', async () => {
    await start();
    const first = await api.call('POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    const r = await api.call('POST', '/proxies', { name: 'b', listen: first.body.listen, upstream: '127.0.0.1:1' });
    expect(r.status).toBe(500);
    expect(r.body.error).toMatch(/EADDRINUSE/);
    expect(Object.keys((await api.call('GET', '/proxies')).body)).toEqual(['a']);
  });

  it('POST /proxies/{name} {enabled: false} cuts both ways and refuses new connections; true brings it back', async () => {
    await start();
    const srv = await cleanup.server(true);
    const p = (await api.call('POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${srv.port}` })).body;
    const c = await cleanup.client(portOf(p.listen));
    await accepted(srv, 0);
    const off = await api.call('POST', `/proxies/a`, { enabled: false });
    expect(off).toMatchObject({ status: 200, body: { ...p, enabled: false } });
    await waitFor(() => c.closedAt !== undefined, 3000, 'the open connection closed');
    expect(await cleanup.refusal(portOf(p.listen))).toBe('FIN');
    expect((await api.call('PATCH', `/proxies/a`, { enabled: true })).body.enabled).toBe(true);
    const c2 = await cleanup.client(portOf(p.listen));
    c2.write('back');
    await waitFor(() => c2.received().toString() === 'back', 3000, 'echo after enabling');
  });

  it('changing upstream restarts the proxy with its toxics; the name cannot change', async () => {
    await start();
    const a = await cleanup.server(true);
    const b = await cleanup.server(true);
    await api.call('POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: `127.0.0.1:${a.port}` });
    await api.call('POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 5 } });
    await api.call('POST', '/proxies/p/crc/down', { direction: 'downstream', mode: 'silent' });
    const r = await api.call('POST', '/proxies/p', { upstream: `127.0.0.1:${b.port}` });
    // The link state carries over too; then clear it for the echo below.
    expect((await api.call('GET', '/proxies/p/crc/stats')).body.silent).toEqual(['downstream']);
    await api.call('POST', '/proxies/p/crc/up', {});
    expect(r.status).toBe(200);
    expect(r.body.upstream).toBe(`127.0.0.1:${b.port}`);
    expect(r.body.toxics.map((t: { name: string }) => t.name)).toEqual(['latency_downstream']);
    const c = await cleanup.client(portOf(r.body.listen));
    await accepted(b, 0);
    expect(a.peers).toHaveLength(0);
    c.write('x');
    await waitFor(() => c.received().length === 1, 3000, 'echo via the new upstream');
    expect((await api.call('POST', '/proxies/p', { name: 'q' })).status).toBe(400);
  });

  it('a new listen address that is taken: 500, and the proxy carries on at its old one with its toxics', async () => {
    await start();
    const srv = await cleanup.server(true);
    const taken = (await api.call('POST', '/proxies', { name: 'other', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' })).body.listen;
    const p = (await api.call('POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: `127.0.0.1:${srv.port}` })).body;
    await api.call('POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 1 } });
    const r = await api.call('POST', '/proxies/p', { listen: taken });
    expect(r.status).toBe(500);
    expect(r.body.error).toMatch(/EADDRINUSE/);
    const now = (await api.call('GET', '/proxies/p')).body;
    expect(now.listen).toBe(p.listen);
    expect(now.toxics).toHaveLength(1);
    const c = await cleanup.client(portOf(p.listen));
    c.write('still');
    await waitFor(() => c.received().toString() === 'still', 3000, 'echo at the old address');
  });

  it('DELETE /proxies/{name}: 204, the port is closed', async () => {
    await start();
    const p = (await api.call('POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' })).body;
    expect((await api.call('DELETE', '/proxies/a')).status).toBe(204);
    await expect(Peer.connect(portOf(p.listen))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await api.call('GET', '/proxies')).body).toEqual({});
  });

  it('POST /populate: 201 {proxies: [...]}; again with the same fields keeps them; a bad entry creates none', async () => {
    await start();
    const list = [{ name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }, { name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:2', enabled: false }];
    const r = await api.call('POST', '/populate', list);
    expect(r.status).toBe(201);
    expect(r.body.proxies.map((p: { name: string; enabled: boolean }) => [p.name, p.enabled])).toEqual([['a', true], ['b', false]]);
    const again = await api.call('POST', '/populate', list);
    expect(again.body.proxies.map((p: { listen: string }) => p.listen)).toEqual(r.body.proxies.map((p: { listen: string }) => p.listen));
    // A different upstream replaces the proxy.
    const moved = await api.call('POST', '/populate', [{ name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:3' }]);
    expect(moved.body.proxies[0].upstream).toBe('127.0.0.1:3');
    expect(api.server.proxies.counters.replaced).toBe(1);

    const bad = await api.call('POST', '/populate', [{ name: 'c', upstream: '127.0.0.1:1' }, { upstream: '127.0.0.1:1' }]);
    expect(bad).toMatchObject({ status: 400, body: { error: 'missing required field: name at proxy 2', status: 400, proxies: [] } });
    expect(Object.keys((await api.call('GET', '/proxies')).body).sort()).toEqual(['a', 'b']);
    expect((await api.call('POST', '/populate', { name: 'x' })).status).toBe(400);
  });

  it('POST /reset: 204; every toxic removed, every proxy enabled, our extras undone', async () => {
    await start();
    await api.call('POST', '/populate', [{ name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false }, { name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }]);
    await api.call('POST', '/proxies/b/toxics', { type: 'latency', attributes: { latency: 100 } });
    await api.call('POST', '/proxies/b/toxics', { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    await api.call('POST', '/proxies/b/crc/hold', { direction: 'upstream' });
    await api.call('POST', '/proxies/b/crc/down', { direction: 'downstream', mode: 'silent' });
    const r = await api.call('POST', '/reset');
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    const all = (await api.call('GET', '/proxies')).body;
    expect([all.a.enabled, all.b.enabled, all.a.toxics, all.b.toxics]).toEqual([true, true, [], []]);
    const s = (await api.call('GET', '/proxies/b/crc/stats')).body;
    expect([s.cut, s.silent, s.held]).toEqual([[], [], []]);
  });

  it('bounds: --max-proxies, --max-body-bytes (413), each counted', async () => {
    await start({ maxProxies: 1, maxBodyBytes: 200 });
    await api.call('POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    const full = await api.call('POST', '/proxies', { name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatch(/--max-proxies/);
    const big = await api.call('POST', '/proxies', { name: 'c'.repeat(150), listen: '127.0.0.1:0', upstream: '127.0.0.1:1', pad: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    const c = (await api.call('GET', '/crc/counters')).body;
    expect(c.proxies).toMatchObject({ open: 1, max: 1, refusedFull: 1 });
    expect(c.api.bodyTooLarge).toBe(1);
    expect(api.logs.some((l) => l.includes('--max-proxies'))).toBe(true);
  });
});

describe('crc-proxy: --max-api-connections', () => {
  it('a connection past the bound is closed at once, counted and logged; the others are served', async () => {
    await start({ maxApiConnections: 1 });
    const port = Number(new URL(api.url).port);
    const first = await cleanup.client(port);
    // served once before the second dials: then the server surely holds it open
    first.write('GET /version HTTP/1.1\r\nhost: x\r\n\r\n');
    await waitFor(() => first.received().toString().startsWith('HTTP/1.1 200'), 3000, 'the first connection accepted');
    const second = await cleanup.client(port);
    await waitFor(() => second.closedAt !== undefined, 3000, 'the second connection closed');
    expect(api.server.snapshot().api.connectionsRefused).toBe(1);
    expect(api.logs.some((l) => l.includes('--max-api-connections'))).toBe(true);
    const before = first.received().length;
    first.write('GET /proxies HTTP/1.1\r\nhost: x\r\n\r\n');
    await waitFor(() => first.received().subarray(before).toString().startsWith('HTTP/1.1 200'), 3000, 'the first connection served');
  });
});

describe('crc-proxy: a request that never finishes arriving', () => {
  it('is answered 408 and closed after --request-timeout-ms, counted; the API keeps serving', async () => {
    await start({ requestTimeoutMs: 300 });
    const port = Number(new URL(api.url).port);
    const slow = await cleanup.client(port);
    slow.write('POST /proxies HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":');
    // A bound, not a timing check: node's check runs every 75 ms here, so well within 5 s.
    await waitFor(() => slow.closedAt !== undefined, 5000, 'the slow request closed');
    expect(slow.received().toString()).toMatch(/^HTTP\/1\.1 408/);
    expect(api.server.counters).toMatchObject({ requestTimeouts: 1, serverErrors: 0 });
    expect(api.logs.some((l) => l.includes('--request-timeout-ms'))).toBe(true);
    expect((await api.call('GET', '/proxies')).status).toBe(200);
  });
});
