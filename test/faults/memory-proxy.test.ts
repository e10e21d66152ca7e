// The link proxy in memory on a VirtualClock: connect() through the same fault logic as on
// real ports, with exact virtual times (latency, hold/release, down/up, refusal, snapshot).
import { describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { type MemoryStream, memoryPair } from '../../src/faults/memory-stream.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';

/** An echo server on `clock` behind an in-memory proxy, and what each side saw, stamped in virtual ms. */
function setup(opts: { seed?: number } = {}) {
  const clock = new VirtualClock();
  const seen: string[] = [];
  const events: ProxyEvent[] = [];
  const servers: MemoryStream[] = [];
  const proxy = new LinkProxy({
    name: 'a-b', clock, seed: opts.seed, onEvent: (e) => events.push(e),
    dial: () => {
      const [toServer, atServer] = memoryPair(clock, { name: 'to server' }, { name: 'at server' });
      servers.push(atServer);
      atServer.on('data', (d: Buffer) => {
        seen.push(`${clock.now()} server ${d}`);
        atServer.write(Buffer.from(`echo ${d}`));
      });
      atServer.on('end', () => seen.push(`${clock.now()} server end`));
      return toServer;
    },
  });
  const connect = (name: string) => {
    const c = proxy.connect(name);
    c.on('data', (d: Buffer) => seen.push(`${clock.now()} ${name} ${d}`));
    c.on('end', () => seen.push(`${clock.now()} ${name} end`));
    c.on('error', (e: NodeJS.ErrnoException) => seen.push(`${clock.now()} ${name} ${e.code}`));
    c.on('close', () => seen.push(`${clock.now()} ${name} close`));
    return c;
  };
  return { clock, proxy, seen, events, servers, connect };
}

describe('LinkProxy in memory (virtual time)', () => {
  it('latency delays each direction by exactly its ms', async () => {
    const { clock, proxy, seen, connect } = setup();
    proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 30 }));
    proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 20 }));
    const c = connect('client');
    c.write(Buffer.from('hi'));
    await clock.runUntil(10);
    c.write(Buffer.from('again'));
    await clock.runUntil(500);
    expect(seen).toEqual(['30 server hi', '40 server again', '50 client echo hi', '60 client echo again']);
  });

  it('hold queues bytes until release; silent drops them and resets on up; cut closes and refuses', async () => {
    const { clock, proxy, seen, events, connect } = setup();
    const c = connect('client');
    await clock.runUntil(1);
    proxy.hold('upstream');
    c.write(Buffer.from('held'));
    await clock.runUntil(100);
    expect(seen).toEqual([]);
    proxy.release();
    await clock.runUntil(101);
    expect(seen).toEqual(['100 server held', '100 client echo held']);

    proxy.down('downstream', 'close', 'silent');
    c.write(Buffer.from('lost'));
    await clock.runUntil(200);
    expect(seen.slice(2)).toEqual(['101 server lost']); // the echo is dropped, the connection stays
    expect(proxy.stats().downstream.dropped).toBe('echo lost'.length);
    proxy.up('both', 'silent');
    await clock.runUntil(300);
    expect(seen.slice(3)).toEqual(['200 client ECONNRESET', '200 client close']);

    proxy.down('both');
    const refused = connect('late');
    await clock.runUntil(2000);
    expect(seen.slice(5)).toEqual(['300 late end', '300 late close']);
    expect(events.filter((e) => e.type === 'proxy-conn-refused')).toHaveLength(1);
    proxy.up();
    const again = connect('again');
    again.write(Buffer.from('x'));
    await clock.runUntil(2100);
    expect(seen.slice(7)).toEqual(['2000 server x', '2000 again echo x']);
    expect(refused.destroyed && c.destroyed).toBe(true);
  });

  it('snapshot() reads the fault state and restore() puts it back on another proxy', async () => {
    const a = setup();
    a.proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 20 }));
    a.proxy.addToxic(parseToxicSpec({ type: 'bandwidth', name: 'slow', rate: 10 }));
    a.proxy.down('upstream', 'reset', 'silent');
    a.proxy.hold('downstream');
    const state = a.proxy.snapshot();
    expect(state).toEqual({
      toxics: a.proxy.toxics(),
      down: { upstream: { how: 'reset', mode: 'silent' } },
      held: ['downstream'],
    });
    const b = setup();
    b.proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'downstream', ms: 99 })); // kept, updated
    b.proxy.addToxic(parseToxicSpec({ type: 'timeout', timeout: 5 })); // removed
    b.proxy.down('downstream');
    b.proxy.restore(state);
    expect(b.proxy.snapshot()).toEqual(state);
    const kinds = b.events.map((e) => e.type);
    expect(kinds.slice(kinds.indexOf('link-down') + 1)).toEqual(['toxic-removed', 'toxic-updated', 'toxic-added', 'link-down', 'link-up', 'link-hold']);
    b.proxy.restore({ toxics: [], down: {}, held: [] });
    expect(b.proxy.snapshot()).toEqual({ toxics: [], down: {}, held: [] });
  });

  it('stop() closes every connection, and nothing is left on the clock', async () => {
    const { clock, proxy, connect } = setup();
    proxy.addToxic(parseToxicSpec({ type: 'latency', ms: 5 }));
    const c = connect('client');
    c.write(Buffer.from('bye'));
    await clock.runUntil(3);
    await clock.runWhile(proxy.stop());
    expect(c.destroyed).toBe(true);
    expect(proxy.scheduler.pendingTimers()).toBe(0);
    await clock.runUntil(5000);
    expect(clock.next()).toBeUndefined();
  });
});
