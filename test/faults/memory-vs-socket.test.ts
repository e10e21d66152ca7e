// One toxic of each type, and each link fault, has the same effect in memory on virtual time
// as on a real socket: the same bytes, cuts and errors (exactly), and the same delays and rates
// (the real run is never early, and late by no more than its timers and sockets allow). Each
// scenario is written once (both-ways.ts) and run on both backends.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { seededStream } from '../../src/faults/toxic.ts';
import { sampleDelay } from '../../src/faults/toxics/latency.ts';
import { type Backend, memoryBackend, socketBackend } from './both-ways.ts';
import { pattern } from './helpers.ts';

interface Effect {
  /** ms from the scenario's start; compared with tolerance */
  times: Record<string, number>;
  /** compared exactly */
  facts: Record<string, unknown>;
  /** the run's longest timer stall, ms (set by both()) */
  stalls?: number;
}
type Scenario = (b: Backend) => Promise<Effect>;

/**
 * The real run may be late by this much beyond its own measured stalls (the longest a timer in
 * this thread was held up, by GC or a busy machine): its timers, two socket hops, a loop turn.
 */
const LATE_MS = 20;
/** Real stamps and the proxy's come from two clocks (performance.now() vs. the epoch one): sub-µs apart. */
const EPS_MS = 0.05;

const opened: Backend[] = [];
afterEach(async () => {
  for (const b of opened.splice(0)) await b.stop();
});

async function both(seed: number, scenario: Scenario): Promise<{ real: Effect; virtual: Effect }> {
  const real = await socketBackend(seed);
  opened.push(real);
  const mem = memoryBackend(seed);
  opened.push(mem);
  const r = { real: await scenario(real), virtual: await scenario(mem) };
  r.real.stalls = real.stalls();
  if (process.env.SHOW_EFFECTS) console.log(JSON.stringify(r));
  return r;
}

/** The virtual run's times are exactly `times` (virtual time has no error to allow for). */
function exactly(times: Record<string, number>, r: { real: Effect; virtual: Effect }): { real: Effect; virtual: Effect } {
  expect(r.virtual.times).toEqual(times);
  return r;
}

/** Same facts; every real time at or after the virtual one, and late by no more than the run's stalls, LATE_MS and `rel` of it. */
function expectSame({ real, virtual }: { real: Effect; virtual: Effect }, rel = 0): void {
  const slack = LATE_MS + (real.stalls ?? 0);
  expect(real.facts).toEqual(virtual.facts);
  expect(Object.keys(real.times).sort()).toEqual(Object.keys(virtual.times).sort());
  for (const [k, v] of Object.entries(virtual.times)) {
    const r = real.times[k]!;
    expect(r, `${k}: real ${r.toFixed(2)} ms is before virtual ${v} ms`).toBeGreaterThanOrEqual(v - EPS_MS);
    expect(r, `${k}: real ${r.toFixed(2)} ms is too late for virtual ${v} ms (the run stalled up to ${real.stalls?.toFixed(1)} ms)`).toBeLessThanOrEqual(v + slack + rel * v);
  }
}

describe('one toxic of each type: memory (virtual time) vs. a real socket', () => {
  it('latency: the same seeded delay per message', async () => {
    const r = await both(7, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 40, jitter: 10 }));
      const { client, server } = await b.connect();
      const times: Record<string, number> = {};
      for (let i = 0; i < 5; i++) {
        const sent = b.now();
        client.write(`m${i}`);
        await b.until(() => server.chunks.length > i, 2000, `message ${i}`);
        times[`delay ${i}`] = server.chunks[i]!.t - sent;
        await b.sleep(55); // longer than the largest delay: one read per message
      }
      return { times, facts: { received: server.received().toString() } };
    });
    // Virtual delays are exactly the seeded samples (connection 1, upstream, latency_upstream).
    const rand = seededStream(7, 'both-ways', 1, 'upstream', 'latency_upstream');
    expect(Object.values(r.virtual.times)).toEqual([0, 1, 2, 3, 4].map(() => sampleDelay({ ms: 40, jitter: 10, distribution: 'uniform' }, rand)));
    expect(new Set(Object.values(r.virtual.times)).size).toBe(5);
    expectSame(r);
  });

  it('bandwidth: the same rate', async () => {
    const r = await both(1, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'bandwidth', direction: 'upstream', rate: 200 }));
      const { client, server } = await b.connect();
      const t0 = b.now();
      client.write(pattern(40_000));
      await b.until(() => server.bytes === 40_000, 5000, 'all bytes');
      return { times: { 'last byte': server.chunks.at(-1)!.t - t0 }, facts: { intact: server.received().equals(pattern(40_000)) } };
    });
    expect(r.virtual.times['last byte']).toBe(190); // the first 10 ms slice at once, the rest at 200 bytes/ms
    expectSame(r, 0.15);
  });

  it('slicer: the same seeded slices (a real read may join some), never sooner', async () => {
    const ends = (chunks: Array<{ data: Buffer }>) => {
      let at = 0;
      return chunks.map((c) => (at += c.data.length));
    };
    const r = await both(3, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'slicer', direction: 'upstream', average_size: 100, size_variation: 50, delay: 3000 }));
      const { client, server } = await b.connect();
      const t0 = b.now();
      client.write(pattern(2000));
      await b.until(() => server.bytes === 2000, 5000, 'all bytes');
      return { times: { 'last slice': server.chunks.at(-1)!.t - t0 }, facts: { intact: server.received().equals(pattern(2000)), ends: ends(server.chunks) } };
    });
    const virtualEnds = r.virtual.facts.ends as number[];
    expect(virtualEnds.length).toBeGreaterThan(10);
    // Where a real read ended, a slice ended: the real reads are the slices, some joined.
    for (const e of r.real.facts.ends as number[]) expect(virtualEnds).toContain(e);
    r.real.facts.ends = virtualEnds;
    expectSame(r, 0.5);
  });

  it('timeout: nothing passes, and the connection closes after the timeout', async () => {
    expectSame(exactly({ 'client end': 80, 'server end': 80 }, await both(1, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'timeout', direction: 'upstream', timeout: 80 }));
      const t0 = b.now();
      const { client, server } = await b.connect();
      client.write('dropped');
      await b.until(() => client.closedAt !== undefined && server.closedAt !== undefined, 3000, 'both closed');
      return { times: { 'client end': client.endedAt! - t0, 'server end': server.endedAt! - t0 }, facts: { bytes: server.bytes, error: client.error?.code } };
    })));
  });

  it('reset_peer: both peers read ECONNRESET after the timeout', async () => {
    expectSame(exactly({ 'client reset': 50, 'server reset': 50 }, await both(1, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'reset_peer', timeout: 50 }));
      const t0 = b.now();
      const { client, server } = await b.connect();
      await b.until(() => client.closedAt !== undefined && server.closedAt !== undefined, 3000, 'both closed');
      return { times: { 'client reset': client.error!.t - t0, 'server reset': server.error!.t - t0 }, facts: { client: client.error?.code, server: server.error?.code } };
    })));
  });

  it('slow_close: data at once, the FIN late', async () => {
    expectSame(exactly({ data: 0, fin: 60 }, await both(1, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'slow_close', direction: 'upstream', delay: 60 }));
      const { client, server } = await b.connect();
      const t0 = b.now();
      client.write('bye');
      client.end();
      await b.until(() => server.endedAt !== undefined, 3000, 'the FIN');
      return { times: { data: server.chunks[0]!.t - t0, fin: server.endedAt! - t0 }, facts: { received: server.received().toString() } };
    })));
  });

  it('limit_data: exactly the limit, then a close', async () => {
    expectSame(await both(1, async (b) => {
      b.proxy.addToxic(parseToxicSpec({ type: 'limit_data', direction: 'upstream', bytes: 10 }));
      const { client, server } = await b.connect();
      const t0 = b.now();
      client.write(pattern(25));
      await b.until(() => client.closedAt !== undefined && server.closedAt !== undefined, 3000, 'both closed');
      return { times: { 'server end': server.endedAt! - t0 }, facts: { received: server.received().toString('hex'), clientEnded: client.endedAt !== undefined } };
    }));
  });
});

describe('link faults: memory (virtual time) vs. a real socket', () => {
  it('hold, then release: the bytes wait, in order, and arrive at the release', async () => {
    expectSame(exactly({ release: 40 }, await both(1, async (b) => {
      const { client, server } = await b.connect();
      b.proxy.hold('upstream');
      const t0 = b.now();
      client.write('one,');
      client.write('two');
      await b.sleep(40); // time is under test: held for 40 ms, nothing may pass
      const early = server.bytes;
      b.proxy.release();
      await b.until(() => server.bytes === 7, 3000, 'the held bytes');
      return { times: { release: server.chunks[0]!.t - t0 }, facts: { early, received: server.received().toString() } };
    })));
  });

  it('down (cut, close) closes both peers at once and refuses the next connection with a FIN', async () => {
    expectSame(await both(1, async (b) => {
      const { client, server } = await b.connect();
      const t0 = b.now();
      b.proxy.down('both');
      await b.until(() => client.closedAt !== undefined && server.closedAt !== undefined, 3000, 'both closed');
      const times = { 'client end': client.endedAt! - t0, 'server end': server.endedAt! - t0 };
      const late = await b.dial();
      await b.until(() => late.closedAt !== undefined, 3000, 'the refusal');
      return { times, facts: { errors: [client.error?.code, server.error?.code], refused: b.proxy.stats().connections.refused, late: [late.endedAt !== undefined, late.error?.code] } };
    }));
  });

  it('down (cut, reset): both peers read ECONNRESET', async () => {
    expectSame(await both(1, async (b) => {
      const { client, server } = await b.connect();
      const t0 = b.now();
      b.proxy.down('both', 'reset');
      await b.until(() => client.closedAt !== undefined && server.closedAt !== undefined, 3000, 'both closed');
      return { times: { client: client.error!.t - t0, server: server.error!.t - t0 }, facts: { errors: [client.error?.code, server.error?.code] } };
    }));
  });

  it('silent: bytes are dropped and counted; back up, the broken connection is reset', async () => {
    expectSame(await both(1, async (b) => {
      const { client, server } = await b.connect();
      b.proxy.down('upstream', 'close', 'silent');
      client.write(pattern(500));
      await b.until(() => b.proxy.stats().upstream.dropped === 500, 3000, 'the drop');
      await b.sleep(20); // time is under test: silent for a while, the connections stay open
      const t0 = b.now();
      b.proxy.up();
      await b.until(() => client.closedAt !== undefined && server.closedAt !== undefined, 3000, 'both closed');
      return { times: { reset: client.error!.t - t0 }, facts: { delivered: server.bytes, errors: [client.error?.code, server.error?.code] } };
    }));
  });
});
