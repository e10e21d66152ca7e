// The crc extras of crc-proxy through CrcProxyClient: silent partition, hold/release, stats,
// the events stream and its bound on a slow reader.
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { CrcProxyError } from '../../src/proxy-server/client.ts';
import { EventStream } from '../../src/proxy-server/event-stream.ts';
import { Cleanup, accepted, pattern, waitFor } from '../faults/helpers.ts';
import { type Api, startApi, until } from './helpers.ts';

const cleanup = new Cleanup();
let api: Api;
afterEach(async () => {
  await api?.server.close();
  await cleanup.run();
});

async function linked() {
  api = await startApi();
  const sink = await cleanup.server(false);
  const p = await api.client.createProxy({ name: 'gondor-rohan', listen: '127.0.0.1:0', upstream: `127.0.0.1:${sink.port}` });
  const c = await cleanup.client(Number(p.listen.split(':').pop()));
  const s = await accepted(sink, 0);
  return { c, s, sink };
}

describe('crc-proxy extras', () => {
  it('silent partition: bytes dropped and counted, nothing closed; up lets bytes flow again', async () => {
    const { c, s } = await linked();
    const stats = await api.client.down('gondor-rohan', { direction: 'upstream', mode: 'silent' });
    expect(stats.silent).toEqual(['upstream']);
    c.write(pattern(5000));
    // all 5000 counted as dropped: the proxy consumed them, none can still reach the sink
    await until(async () => (await api.client.stats('gondor-rohan')).upstream.dropped === 5000, 3000, 'dropped bytes counted');
    expect((await api.client.stats('gondor-rohan')).upstream.out).toBe(0); // none written on
    expect(s.bytes).toBe(0);
    expect([c.closedAt, s.closedAt, c.endedAt, s.endedAt]).toEqual([undefined, undefined, undefined, undefined]);
    // The other direction still flows.
    s.write('down');
    await waitFor(() => c.received().toString() === 'down', 3000, 'downstream bytes');
    expect((await api.client.up('gondor-rohan')).silent).toEqual([]);
  });

  it('hold/release: nothing delivered while held, then everything, in order, once', async () => {
    const { c, s } = await linked();
    await api.client.hold('gondor-rohan', 'upstream');
    const data = pattern(100_000);
    for (let i = 0; i < 10; i++) c.write(data.subarray(i * 10_000, (i + 1) * 10_000));
    await until(async () => (await api.client.stats('gondor-rohan')).upstream.queued === 100_000, 3000, 'bytes queued');
    expect(s.bytes).toBe(0);
    const released = await api.client.release('gondor-rohan', 'upstream');
    expect(released.held).toEqual([]);
    await waitFor(() => s.bytes === 100_000, 3000, 'released bytes');
    expect(s.received().equals(data)).toBe(true);
  });

  it('crc/down cut with how reset: both peers see a RST; new connections are refused until up', async () => {
    const { c, s, sink } = await linked();
    await api.client.down('gondor-rohan', { mode: 'cut', how: 'reset' });
    await waitFor(() => c.closedAt !== undefined && s.closedAt !== undefined, 3000, 'both sides closed');
    expect(c.error?.code).toBe('ECONNRESET');
    const port = (await api.client.stats('gondor-rohan')).port;
    expect(await cleanup.refusal(port)).toBe('ECONNRESET');
    await api.client.up('gondor-rohan');
    await cleanup.client(port);
    await accepted(sink, 1);
  });

  it('bad extras bodies are 400s naming the field; unknown proxy 404; the client throws CrcProxyError', async () => {
    await linked();
    const r = await api.call('POST', '/proxies/gondor-rohan/crc/down', { direction: 'sideways' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/field "direction"/);
    expect((await api.call('POST', '/proxies/gondor-rohan/crc/hold', { direction: 'up', extra: 1 })).body.error).toMatch(/unknown field "extra"/);
    const err = await api.client.stats('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrcProxyError);
    expect(err).toMatchObject({ status: 404, message: 'crc-proxy GET /proxies/nope/crc/stats: HTTP 404: proxy not found' });
  });

  it('GET /crc/events: each ProxyEvent as NDJSON with t and proxy; ?types= filters', async () => {
    api = await startApi();
    const all = await api.client.openEvents();
    const some = await api.client.openEvents({ types: ['toxic-added'] });
    const t0 = Date.now();
    await api.client.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    await api.client.addToxic('p', { type: 'latency', attributes: { latency: 5 } });
    await api.client.hold('p');
    const seen: ProxyEvent[] = [];
    for await (const e of all) {
      seen.push(e);
      if (e.type === 'link-hold') break;
    }
    expect(seen.map((e) => e.type)).toEqual(['toxic-added', 'link-hold']);
    for (const e of seen) {
      expect(e.proxy).toBe('p');
      expect(e.t).toBeGreaterThanOrEqual(t0 - 1);
    }
    for await (const e of some) {
      expect(e.type).toBe('toxic-added');
      break;
    }
    all.close();
    some.close();
    await waitFor(() => api.server.events.subscribers === 0, 3000, 'readers gone');
  });

  it('too many event readers: 503, counted', async () => {
    api = await startApi({ maxEventReaders: 1 });
    const one = await api.client.openEvents();
    const err = await api.client.openEvents().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503 });
    expect(api.server.events.counters.refusedFull).toBe(1);
    one.close();
  });
});

/** A response that never drains: what a reader that stopped reading looks like to the server. */
class StuckResponse extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  writeHead() {
    return this;
  }
  flushHeaders() {}
  write(s: string) {
    this.writableLength += s.length;
    return false;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
  end() {}
}

describe('EventStream bound', () => {
  it('a reader past --event-buffer-bytes unsent is dropped and counted; a reading one keeps its stream', () => {
    const logs: string[] = [];
    const stream = new EventStream({ maxSubscribers: 4, maxBufferBytes: 1000, log: (l) => logs.push(l) });
    const stuck = new StuckResponse();
    const fine = new StuckResponse();
    stream.subscribe(stuck as unknown as http.ServerResponse, {}, 'stuck');
    stream.subscribe(fine as unknown as http.ServerResponse, {}, 'fine');
    const e: ProxyEvent = { type: 'link-hold', direction: 'both', proxy: 'p', t: 1 };
    for (let i = 0; i < 100; i++) {
      stream.publish(e);
      fine.writableLength = 0; // this one's kernel takes everything
    }
    expect(stuck.destroyed).toBe(true);
    expect(stuck.writableLength).toBeLessThanOrEqual(1000);
    expect(fine.destroyed).toBe(false);
    expect(stream.counters.droppedSlow).toBe(1);
    expect(stream.subscribers).toBe(1);
    expect(logs.some((l) => l.includes('stuck dropped'))).toBe(true);
  });
});

describe('crc-proxy extras for the coordinator', () => {
  it('crc/up with a mode brings up only what is down that way; GET crc/toxics lists ToxicInfo in our names', async () => {
    api = await startApi();
    await api.client.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    await api.client.down('p', { direction: 'upstream', mode: 'silent' });
    await api.client.down('p', { direction: 'downstream', mode: 'cut' });
    const s = await api.client.up('p', 'both', 'silent');
    expect([s.silent, s.cut]).toEqual([[], ['downstream']]);
    expect((await api.client.up('p')).cut).toEqual([]);
    expect((await api.call('POST', '/proxies/p/crc/up', { mode: 'sideways' })).body.error).toMatch(/field "mode"/);
    await api.client.addSpec('p', { type: 'latency', ms: 7, distribution: 'normal', jitter: 1 });
    expect(await api.client.specs('p')).toEqual([{ name: 'latency_both', type: 'latency', direction: 'both', toxicity: 1, attributes: { ms: 7, jitter: 1, distribution: 'normal' } }]);
    // toxiproxy's view shows our extra attribute, since it is not at its default.
    expect((await api.client.toxic('p', 'latency_both')).attributes).toEqual({ latency: 7, jitter: 1, distribution: 'normal' });
  });
});
