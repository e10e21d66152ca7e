// The link proxy itself on real sockets: plain piping, link faults (down cut or silent, both
// ways or one, hold/release), live toxic changes, events, stats and stop.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import { Cleanup, Peer, accepted, now, pattern, waitFor, watchFins } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('LinkProxy without toxics', () => {
  it('pipes both ways, passes half-closes on, and counts bytes', async () => {
    const srv = await cleanup.server(false, true);
    const events: ProxyEvent[] = [];
    const proxy = await cleanup.proxy(srv.port, { onEvent: (e) => events.push(e) });
    expect(proxy.port).toBeGreaterThan(0);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    client.write(pattern(100_000));
    server.write('downstream bytes');
    await waitFor(() => server.bytes >= 100_000 && client.bytes >= 16, 3000, 'both directions');
    expect(server.received().equals(pattern(100_000))).toBe(true);
    expect(client.received().toString()).toBe('downstream bytes');

    client.socket.end(); // half-close: the server sees EOF, and can still answer
    await waitFor(() => server.endedAt !== undefined, 2000, 'EOF at the server');
    server.socket.end('last words');
    await waitFor(() => client.closedAt !== undefined && server.closedAt !== undefined, 2000, 'both closed');
    expect(client.received().toString()).toBe('downstream byteslast words');
    await waitFor(() => proxy.stats().connections.open === 0, 2000, 'the proxy to forget the connection');
    const st = proxy.stats();
    expect(st.connections).toEqual({ open: 0, total: 1, refused: 0 });
    expect(st.upstream).toEqual({ in: 100_000, out: 100_000, queued: 0, dropped: 0, buffered: 0 });
    expect(st.downstream).toEqual({ in: 26, out: 26, queued: 0, dropped: 0, buffered: 0 });
    expect(() => new LinkProxy({ name: 'bad', target: { host: '127.0.0.1', port: 0 } })).toThrow(/port from 1 to 65535/);
    expect(events.map((e) => e.type)).toEqual(['proxy-conn-opened', 'proxy-conn-closed']);
    expect(events[1]).toMatchObject({ proxy: 'p', conn: 1, bytesUp: 100_000, bytesDown: 26 });
    expect(events[0]!.t).toBeGreaterThan(Date.now() - 60_000);
  });

  it('resets the dialler when the target is unreachable', async () => {
    const dead = await cleanup.server(false);
    const port = dead.port;
    await dead.stop();
    const proxy = await cleanup.proxy(port);
    const client = await cleanup.client(proxy.port);
    await waitFor(() => client.closedAt !== undefined, 3000, 'the client to be cut');
    expect(client.error?.code).toBe('ECONNRESET');
    expect(proxy.stats().connections.open).toBe(0);
  });

  it('stop() closes everything and resolves once every socket is closed', async () => {
    const srv = await cleanup.server(true);
    const proxy = new LinkProxy({ name: 'stopper', target: { host: '127.0.0.1', port: srv.port } });
    await proxy.start();
    const clients = await Promise.all([1, 2, 3].map(() => cleanup.client(proxy.port)));
    await waitFor(() => srv.peers.length === 3, 3000, 'three connections');
    await proxy.stop();
    expect(proxy.stats().connections.open).toBe(0);
    await waitFor(() => clients.every((c) => c.closedAt !== undefined), 2000, 'the clients to see it');
    await expect(Peer.connect(proxy.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('link faults', () => {
  it('down both ways cuts current connections (FIN) and refuses new ones until up', async () => {
    const srv = await cleanup.server(true);
    const events: ProxyEvent[] = [];
    const proxy = await cleanup.proxy(srv.port, { onEvent: (e) => events.push(e) });
    const before = await cleanup.client(proxy.port);
    before.write('a');
    await waitFor(() => before.bytes === 1, 2000, 'echo');

    proxy.down();
    await waitFor(() => before.closedAt !== undefined, 2000, 'the live connection to be cut');
    expect(before.endedAt).toBeDefined();
    expect(before.error).toBeUndefined();
    const refused = await cleanup.client(proxy.port); // accepted by the kernel, then closed
    refused.write('lost');
    await waitFor(() => refused.closedAt !== undefined, 2000, 'the new connection to be refused');
    expect(refused.bytes).toBe(0);
    expect(srv.peers.length).toBe(1); // the target never saw it
    expect(proxy.stats()).toMatchObject({ down: 'close', connections: { refused: 1 } });

    proxy.up();
    const after = await cleanup.client(proxy.port);
    after.write('b');
    await waitFor(() => after.bytes === 1, 2000, 'echo after up');
    const types = events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['proxy-conn-opened', 'link-down']);
    expect(types.indexOf('proxy-conn-refused')).toBeLessThan(types.indexOf('link-up'));
    expect(types.indexOf('proxy-conn-closed')).toBeLessThan(types.indexOf('link-up'));
    expect(types.at(-1)).toBe('proxy-conn-opened');
    expect(events.every((e, i) => i === 0 || e.t >= events[i - 1]!.t)).toBe(true);
    expect(events.find((e) => e.type === 'proxy-conn-closed')).toMatchObject({ reason: 'link down' });
  });

  // One way is cut as both ways are: a TCP connection cannot be cut in one direction only.
  it.each(['both', 'upstream'] as const)("down %s with how='reset' makes peers see ECONNRESET", async (direction) => {
    const srv = await cleanup.server(true);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    client.write('a');
    await waitFor(() => client.bytes === 1, 2000, 'echo');
    proxy.down(direction, 'reset');
    await waitFor(() => client.closedAt !== undefined && server.closedAt !== undefined, 2000, 'both cut');
    expect(client.error?.code).toBe('ECONNRESET');
    expect(server.error?.code).toBe('ECONNRESET');
    // A new connection is reset as soon as it is accepted (the RST may beat 'connect').
    expect(await cleanup.refusal(proxy.port)).toBe('ECONNRESET');
  });

  it('hold one way stalls that direction; its bytes are delivered, in order, on release', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    proxy.hold('upstream');
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const b = pattern(500, i);
      sent.push(b);
      client.write(b);
    }
    server.write('downstream still flows');
    await waitFor(() => client.bytes >= 22, 2000, 'the other direction');
    // all 10,000 bytes sit in the hold queue: none can be on their way to the server
    await waitFor(() => proxy.stats().upstream.queued === 10_000, 2000, 'the held bytes queued');
    expect(proxy.stats().upstream.out).toBe(0); // and the proxy wrote none of them on
    expect(server.bytes).toBe(0);
    proxy.release('upstream');
    await waitFor(() => server.bytes >= 10_000, 2000, 'the stalled bytes');
    expect(server.received().equals(Buffer.concat(sent))).toBe(true);
    expect(proxy.stats().upstream.queued).toBe(0);
  });

  it('a held direction that queues more than maxQueueBytes is reset', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port, { maxQueueBytes: 64 * 1024 });
    const client = await cleanup.client(proxy.port);
    await accepted(srv, 0);
    proxy.hold('upstream');
    client.write(pattern(200_000));
    await waitFor(() => client.closedAt !== undefined, 3000, 'the reset');
    expect(client.error?.code).toBe('ECONNRESET');
  });

  it('hold then release delivers everything of current and new connections, in order, exactly once', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    const c1 = await cleanup.client(proxy.port);
    const s1 = await accepted(srv, 0);
    c1.write('before-hold|');
    await waitFor(() => s1.bytes === 12, 2000, 'bytes before the hold');
    proxy.hold();
    const up1: Buffer[] = [Buffer.from('before-hold|')];
    for (let i = 0; i < 50; i++) {
      const b = pattern(37, i);
      up1.push(b);
      c1.write(b);
    }
    s1.write('down-1');
    const c2 = await cleanup.client(proxy.port); // a new connection during the hold
    const s2 = await accepted(srv, 1);
    c2.write('new-conn-up');
    s2.write('new-conn-down');
    // every byte written during the hold is in a hold queue, so none can still be on its way
    await waitFor(() => proxy.stats().upstream.queued === 50 * 37 + 11 && proxy.stats().downstream.queued === 6 + 13, 2000, 'the held bytes queued');
    expect([proxy.stats().upstream.out, proxy.stats().downstream.out]).toEqual([12, 0]); // none written on
    expect(s1.bytes).toBe(12);
    expect(c1.bytes + s2.bytes + c2.bytes).toBe(0);
    expect(proxy.stats().held).toEqual(['upstream', 'downstream']);
    proxy.release();
    await waitFor(() => s1.bytes === 12 + 50 * 37 && c1.bytes === 6 && s2.bytes === 11 && c2.bytes === 13, 2000, 'everything');
    // The link flows normally again; a marker behind everything proves no duplicate is still coming (FIFO).
    c1.write('|after');
    s1.write('|after');
    c2.write('|after');
    s2.write('|after');
    await waitFor(() => [s1, c1, s2, c2].every((p) => p.received().toString().endsWith('|after')), 2000, 'the markers after release');
    expect(s1.received().equals(Buffer.concat([...up1, Buffer.from('|after')]))).toBe(true);
    expect(c1.received().toString()).toBe('down-1|after');
    expect(s2.received().toString()).toBe('new-conn-up|after');
    expect(c2.received().toString()).toBe('new-conn-down|after');
  });

  it('a FIN sent during a hold is delivered after the held bytes', async () => {
    const srv = await cleanup.server(false, true);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    proxy.hold('upstream');
    const fins = watchFins(client, srv.port);
    client.socket.end('bye');
    await waitFor(() => proxy.stats().upstream.queued === 3 && fins.reachedProxy(), 2000, 'the held bytes queued and the FIN at the proxy');
    expect(fins.endedUpstream()).toBe(0); // held, not passed on
    fins.restore();
    expect(server.endedAt).toBeUndefined();
    proxy.release('upstream');
    await waitFor(() => server.endedAt !== undefined, 2000, 'the FIN');
    expect(server.received().toString()).toBe('bye');
    expect(server.endedAt).toBeGreaterThanOrEqual(server.chunks.at(-1)!.t);
  });
});

describe('toxics on live connections', () => {
  it('a toxic added to a live connection applies at once; removing it delivers what it held, in order', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    client.write('one|');
    await waitFor(() => server.bytes === 4, 2000, 'first bytes');
    proxy.addToxic(parseToxicSpec({ type: 'latency', name: 'slow', direction: 'upstream', ms: 10_000 }));
    client.write('two|');
    client.write('three|');
    // both writes are held by the toxic, so neither can still be on its way to the server
    await waitFor(() => proxy.stats().upstream.buffered === 10, 2000, 'the bytes held by the toxic');
    expect(proxy.stats().upstream.out).toBe(4);
    expect(server.bytes).toBe(4);
    const t0 = now();
    proxy.removeToxic('slow');
    await waitFor(() => server.bytes === 14, 2000, 'the held bytes');
    expect(now() - t0).toBeLessThan(500);
    client.write('four');
    await waitFor(() => server.bytes === 18, 2000, 'later bytes');
    expect(server.received().toString()).toBe('one|two|three|four');
  });

  it('toxics stack in the order they were added', async () => {
    const srv = await cleanup.server(false);
    const proxy = await cleanup.proxy(srv.port);
    proxy.addToxic(parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 40 }));
    proxy.addToxic(parseToxicSpec({ type: 'limit_data', direction: 'upstream', bytes: 6 }));
    const client = await cleanup.client(proxy.port);
    const server = await accepted(srv, 0);
    const t0 = now();
    client.write('abcdefghij');
    await waitFor(() => server.closedAt !== undefined, 2000, 'the close after 6 bytes');
    expect(server.received().toString()).toBe('abcdef');
    expect(server.chunks[0]!.t - t0).toBeGreaterThanOrEqual(39);
  });

  it('works in front of a server that is not ours (a raw net.Server with half-open sockets)', async () => {
    // Protocol-agnostic: arbitrary bytes, including a CRC-looking prefix, pass untouched.
    const got: Buffer[] = [];
    const raw = net.createServer((s) => s.on('data', (d: Buffer) => got.push(d)));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => raw.close(() => r())));
    const proxy = await cleanup.proxy((raw.address() as net.AddressInfo).port);
    proxy.addToxic(parseToxicSpec({ type: 'slicer', average_size: 3, size_variation: 2 }));
    const client = await cleanup.client(proxy.port);
    const bytes = Buffer.from([0x81, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, ...pattern(300)]);
    client.write(bytes);
    await waitFor(() => Buffer.concat(got).length === bytes.length, 2000, 'all bytes');
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    client.socket.destroy();
  });
});
