// The two ways a link proxy goes down, on real sockets: 'cut' (connections closed, FIN or RST
// as asked, one way as both, new ones refused) and 'silent' (connections stay open, the
// direction's bytes are dropped and counted; a stream that lost bytes is reset on up).
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { Cleanup, accepted, waitFor, watchFins } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("down one way, mode 'cut'", () => {
  // (The RST of a one-way reset is in proxy.test.ts, beside the both-ways one.)
  it('refuses new connections until that direction is up, and says so in stats and events', async () => {
    const srv = await cleanup.server(true);
    const events: ProxyEvent[] = [];
    const proxy = await cleanup.proxy(srv.port, { onEvent: (e) => events.push(e) });
    proxy.down('upstream', 'reset');
    expect(await cleanup.refusal(proxy.port)).toBe('ECONNRESET');
    expect(proxy.stats()).toMatchObject({ down: 'reset', cut: ['upstream'], silent: [] });
    expect(events.find((e) => e.type === 'link-down')).toMatchObject({ direction: 'upstream', how: 'reset', mode: 'cut' });

    proxy.up('downstream'); // not the direction that is down
    expect(await cleanup.refusal(proxy.port)).toBe('ECONNRESET');
    proxy.up('upstream');
    const after = await cleanup.client(proxy.port);
    after.write('b');
    await waitFor(() => after.bytes === 1, 2000, 'echo after up');

    proxy.down('downstream', 'close'); // cuts the live connection with a FIN
    await waitFor(() => after.closedAt !== undefined, 2000, 'the FIN');
    expect(after.endedAt).toBeDefined();
    expect(after.error).toBeUndefined();
    expect(proxy.stats()).toMatchObject({ down: 'close', cut: ['downstream'] });
  });
});

describe("down, mode 'silent'", () => {
  it('both ways: drops and counts bytes and FINs, keeps connections open; up resets those that lost bytes only', async () => {
    const srv = await cleanup.server(false, true);
    const events: ProxyEvent[] = [];
    const proxy = await cleanup.proxy(srv.port, { onEvent: (e) => events.push(e) });
    const idle = await cleanup.client(proxy.port);
    const idleSrv = await accepted(srv, 0);
    const busy = await cleanup.client(proxy.port);
    const busySrv = await accepted(srv, 1);

    proxy.down('both', 'close', 'silent');
    busy.write('lost');
    busySrv.write('lost too');
    const late = await cleanup.client(proxy.port); // accepted and dialled through, as a partition would
    const lateSrv = await accepted(srv, 2);
    late.write('x');
    const fins = watchFins(busy, srv.port);
    busy.socket.end(); // the FIN is dropped too
    await waitFor(() => proxy.stats().upstream.dropped === 5 && proxy.stats().downstream.dropped === 8 && fins.reachedProxy(), 2000, 'the drops and the FIN at the proxy');
    expect([proxy.stats().upstream.out, proxy.stats().downstream.out]).toEqual([0, 0]); // none written on
    expect(fins.endedUpstream()).toBe(0); // the FIN was dropped, not passed on
    fins.restore();
    expect(busySrv.bytes + busy.bytes + lateSrv.bytes).toBe(0);
    expect(busySrv.endedAt).toBeUndefined();
    for (const p of [idle, idleSrv, busy, busySrv, late, lateSrv]) expect(p.closedAt).toBeUndefined();
    expect(proxy.stats()).toMatchObject({ down: undefined, cut: [], silent: ['upstream', 'downstream'], connections: { open: 3, refused: 0 } });
    expect(events.find((e) => e.type === 'link-down')).toMatchObject({ direction: 'both', mode: 'silent' });

    proxy.up();
    await waitFor(() => [busy, busySrv, late, lateSrv].every((p) => p.closedAt !== undefined), 2000, 'the broken streams to be reset');
    expect(busySrv.error?.code).toBe('ECONNRESET');
    expect(lateSrv.error?.code).toBe('ECONNRESET');
    // The connection that lost nothing carries on.
    idle.write('still here');
    await waitFor(() => idleSrv.received().toString() === 'still here', 2000, 'the idle connection');
    expect(idle.closedAt).toBeUndefined();
    const closed = events.filter((e): e is Extract<ProxyEvent, { type: 'proxy-conn-closed' }> => e.type === 'proxy-conn-closed');
    expect(closed.map((e) => e.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/lost \d+ bytes while the link was silent/)]));
    expect(proxy.stats().upstream.dropped).toBe(5); // still counted once their connections are gone
  });

  it('one way: the other direction flows; up with another mode does not lift it', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    proxy.down('upstream', 'close', 'silent');
    client.write('dropped');
    server.write('flows');
    await waitFor(() => client.received().toString() === 'flows', 2000, 'downstream');
    const events: ProxyEvent[] = [];
    proxy.onEvent = (e) => events.push(e);
    proxy.up('upstream', 'cut');
    expect(events).toEqual([expect.objectContaining({ type: 'link-up', direction: 'upstream', mode: 'cut' })]);
    client.write('dropped again');
    await waitFor(() => proxy.stats().upstream.dropped === 20, 2000, 'the upstream drops');
    expect(server.bytes).toBe(0);
    expect(proxy.stats().silent).toEqual(['upstream']);
    proxy.up('upstream', 'silent');
    await waitFor(() => client.closedAt !== undefined, 2000, 'the reset of the broken stream');
    expect(proxy.stats().silent).toEqual([]);
  });
});
