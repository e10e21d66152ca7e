// Joining, leaving and splitting on real sockets: join retry and deadline, clean shutdown,
// disconnect without quit, netsplit.
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageType } from '../../src/protocol/index.ts';
import { Cleanup, freePort, hostIds, sorted, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('joining a bootstrap server', () => {
  it('retries until the bootstrap server comes up', async () => {
    const port = await freePort();
    const { node: joiner } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port }, joinDeadlineMs: 10_000 }, false);
    // Join logs nothing per failed dial: count its dials to the port instead.
    const connect = vi.spyOn(net, 'connect');
    const dials = () => connect.mock.calls.filter(([o]) => (o as unknown as net.TcpNetConnectOpts).port === port).length;
    const started = joiner.start();
    // Three refused dials, then the bootstrap server comes up.
    await waitFor(() => dials() >= 3, 5000, 'three dials to the port nobody listens on');
    connect.mockRestore();
    const { node: boot } = await cleanup.server({ id: 1, port });
    expect(boot.port).toBe(port);
    await expect(started).resolves.toBe(joiner.port);
    await waitFor(() => boot.core.host(2) && joiner.core.host(1), 3000, 'both servers to know each other');
    expect(boot.state().adjacentServerIds).toEqual([2]);
    expect(joiner.state().adjacentServerIds).toEqual([1]);
    expect(joiner.core.host(1)?.firstLinkId).toBe(1);
  });

  it('gives up with an error naming the address when nobody listens before the deadline', async () => {
    const port = await freePort();
    const { node } = await cleanup.server({ id: 2, name: 'lonely', connectTo: { host: '127.0.0.1', port }, joinDeadlineMs: 300 }, false);
    await expect(node.start()).rejects.toThrow(new RegExp(`could not join 127\\.0\\.0\\.1:${port}\\b`));
  });

  it('keeps retrying for the whole deadline before giving up', async () => {
    // joinDeadlineMs documents "how long to keep retrying before giving up": with 300 ms it
    // must not give up after a fraction of that (a bootstrap server coming up at 250 ms
    // would be missed). Only a lower bound on elapsed time, so a slow machine cannot fail it.
    const port = await freePort();
    const deadlineMs = 300;
    const { node } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port }, joinDeadlineMs: deadlineMs }, false);
    const t0 = Date.now();
    const err = await node.start().then(() => undefined, (e: Error) => e);
    const elapsed = Date.now() - t0;
    expect(err?.message).toMatch(/could not join/);
    expect(elapsed, `gave up after ${elapsed} ms of a ${deadlineMs} ms deadline`).toBeGreaterThanOrEqual(deadlineMs * 0.9);
  });
});

describe('leaving', () => {
  it('stop() closes every socket, peers see the close, and it resolves', async () => {
    const { node: s } = await cleanup.server({ id: 1 });
    const { node: t } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: s.port } });
    const c1 = await cleanup.client({ id: 10, serverPort: s.port });
    const c2 = await cleanup.client({ id: 20, serverPort: t.port });
    const registered = await cleanup.raw(s.port);
    registered.write({ type: MessageType.ClientRegistration, sourceId: 11, lastHopId: 0, name: 'raw', info: '' });
    const pending = await cleanup.raw(s.port); // never registers
    await waitFor(() => hostIds(s).length === 4 && hostIds(t).length === 4, 3000, 'everyone registered');
    expect(s.connectionCounts()).toEqual({ server: 1, client: 2, pending: 1 });

    await s.stop();
    await waitFor(() => registered.closed && pending.closed, 3000, 'raw peers to see the close');
    await waitFor(() => !c1.state().connected, 3000, 'client 10 to see the close');
    // The other side of the split forgets everything behind s.
    await waitFor(() => hostIds(t).join() === '20', 3000, 't to forget s and its clients');
    await waitFor(() => c2.state().connectedUserIds.length === 0, 3000, 'client 20 to forget 10 and 11');
    // Nothing listens any more.
    const refused = await new Promise<string>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: s.port });
      sock.once('connect', () => { sock.destroy(); resolve('connected'); });
      sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('when stop() resolves, the node holds no connections and has forgotten its peers', async () => {
    // "Close the listener and every connection": once the promise resolves, the node's own
    // view must agree (no open connections, adjacent hosts forgotten), with no close
    // handlers still to run behind the caller's back.
    const { node: s, logs } = await cleanup.server({ id: 1 });
    const { node: t } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: s.port } });
    await cleanup.client({ id: 10, serverPort: s.port });
    await waitFor(() => hostIds(s).join() === '2,10' && t.core.host(10), 3000, 'everyone registered');

    await s.stop();
    const afterStop = { counts: s.connectionCounts(), hosts: hostIds(s), pendingCloseLogs: logs.filter((l) => /closed: server shutting down/.test(l)).length };
    expect(afterStop).toEqual({ counts: { server: 0, client: 0, pending: 0 }, hosts: [], pendingCloseLogs: 2 });
  });

  it("a client's disconnect() without a quit makes every server and client forget it", async () => {
    const { node: a } = await cleanup.server({ id: 1 });
    const { node: b } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: a.port } });
    const leaver = await cleanup.client({ id: 10, serverPort: a.port });
    const neighbour = await cleanup.client({ id: 11, serverPort: a.port });
    const remote = await cleanup.client({ id: 20, serverPort: b.port });
    await waitFor(() => sorted(remote.state().connectedUserIds).join() === '10,11'
      && sorted(neighbour.state().connectedUserIds).join() === '10,20', 3000, 'everyone to know everyone');

    await leaver.disconnect();
    expect(leaver.state().connected).toBe(false);
    await waitFor(() => !a.core.host(10) && !b.core.host(10), 3000, 'both servers to forget 10');
    await waitFor(() => sorted(remote.state().connectedUserIds).join() === '11'
      && sorted(neighbour.state().connectedUserIds).join() === '20', 3000, 'both clients to forget 10');
    expect(a.state().adjacentUserIds).toEqual([11]);
    // A chat to the departed client now bounces.
    remote.chat(10, 'anyone?');
    await waitFor(() => remote.state().statusLog.includes('Unknown ID 10'), 3000, 'Unknown ID 10 at client 20');
  });
});

describe('netsplit', () => {
  it('cutting B-C in a chain A-B-C makes each side forget the other', async () => {
    const { node: a } = await cleanup.server({ id: 1 });
    const { node: b } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: a.port } });
    const { node: c } = await cleanup.server({ id: 3, connectTo: { host: '127.0.0.1', port: b.port } });
    const ca = await cleanup.client({ id: 10, serverPort: a.port });
    const cb = await cleanup.client({ id: 20, serverPort: b.port });
    const cc = await cleanup.client({ id: 30, serverPort: c.port });
    await waitFor(() => [a, b, c].every((s) => hostIds(s).length === 5)
      && [ca, cb, cc].every((cl) => cl.state().connectedUserIds.length === 2), 3000, 'the full tree');

    const link = b.connectionTo(3);
    expect(link).toBeDefined();
    link!.destroy('test');

    // A's side: forgets C and its client.
    await waitFor(() => hostIds(b).join() === '1,10,20', 3000, 'B to forget 3 and 30');
    await waitFor(() => hostIds(a).join() === '2,10,20', 3000, 'A to forget 3 and 30');
    await waitFor(() => sorted(ca.state().connectedUserIds).join() === '20', 3000, "A's client to forget 30");
    await waitFor(() => sorted(cb.state().connectedUserIds).join() === '10', 3000, "B's client to forget 30");
    // C's side: forgets A, B and their clients.
    await waitFor(() => hostIds(c).join() === '30', 3000, 'C to forget 1, 2, 10, 20');
    await waitFor(() => cc.state().connectedUserIds.length === 0, 3000, "C's client to forget 10 and 20");
    expect(c.state().adjacentServerIds).toEqual([]);
    expect(a.state().adjacentServerIds).toEqual([2]);

    // What is left still works; across the split is unknown.
    ca.chat(20, 'same side');
    ca.chat(30, 'other side');
    await waitFor(() => cb.state().chatLog.includes('same side'), 3000, 'chat A->B side');
    await waitFor(() => ca.state().statusLog.includes('Unknown ID 30'), 3000, 'Unknown ID 30 at client 10');
    expect(cc.state().chatLog).toEqual([]);
  });
});
