// Clients that re-dial: over real sockets (a CrcClientNode behind a link proxy), and in the
// simulator, where a client whose link comes back, or whose crashed server restarts, comes
// back into the model and re-registers with the same id.
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from '../../src/faults/proxy.ts';
import type { CrcClientNode } from '../../src/net/client-node.ts';
import { parseTrafficText } from '../../src/coordinator/traffic-text.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { nowMs } from '../../src/util/clock.ts';
import { Cleanup, freePort, waitFor } from '../net/helpers.ts';
import { clientOf, ids, start, stopAll } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await stopAll();
});

const welcome = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;

/** A client made here also stops re-dialling when the test ends. */
const client = (opts: Parameters<Cleanup['client']>[0]): Promise<CrcClientNode> => clientOf(cleanup, opts);

describe('CrcClientNode with reconnect', () => {
  it('re-dials after its link is cut and registers again with the same id, keeping its logs', async () => {
    const { node: s1 } = await cleanup.server({ id: 1 });
    const proxy = new LinkProxy({ name: 'c101', target: { host: '127.0.0.1', port: s1.port } });
    cleanup.add(() => proxy.stop());
    await proxy.start();
    const far = await client({ id: 101, name: 'far', serverPort: proxy.port, reconnect: true });
    const near = await client({ id: 102, name: 'near', serverPort: s1.port });
    await waitFor(() => near.state().connectedUserIds.includes(101) && far.state().connectedUserIds.includes(102), 3000, 'both clients');
    near.chat(101, 'before the cut');
    await waitFor(() => far.state().chatLog.length === 1, 3000, 'the first chat');

    proxy.down();
    await waitFor(() => !s1.core.host(101) && !near.state().connectedUserIds.includes(101), 3000, 'the server to forget 101');
    await waitFor(() => proxy.stats().connections.refused >= 1, 3000, 'a refused re-dial');

    proxy.up();
    await waitFor(() => s1.core.host(101) && near.state().connectedUserIds.includes(101), 5000, 'the client to come back');
    expect(s1.core.host(101)).toMatchObject({ kind: 'client', name: 'far', firstLinkId: 101 });
    await waitFor(() => far.state().connected && far.state().connectedUserIds.includes(102), 3000, 'the client to hear of 102 again');
    near.chat(101, 'after the cut');
    await waitFor(() => far.state().chatLog.length === 2, 3000, 'the second chat');
    expect(far.state()).toMatchObject({ id: 101, connectedUserIds: [102], chatLog: ['before the cut', 'after the cut'], statusLog: [welcome('far'), welcome('far')] });
  });

  it('does not re-dial after quit() or disconnect(), and gives up once its deadline has passed', async () => {
    const { node: s1 } = await cleanup.server({ id: 1 });
    const quitter = await client({ id: 101, serverPort: s1.port, reconnect: true });
    const leaver = await client({ id: 102, serverPort: s1.port, reconnect: true });
    await waitFor(() => s1.core.host(101) && s1.core.host(102), 3000, 'both registered');
    await quitter.quit('bye');
    await leaver.disconnect();
    await waitFor(() => s1.core.hostIds().length === 0, 3000, 'both forgotten');
    // Both connections are closed, and a re-dial is decided as the close is handled: none pending
    // now means none will come (instead of waiting out the backoff).
    for (const c of [quitter, leaver]) {
      expect(c.state().connected).toBe(false);
      expect((c as unknown as { redialTimer?: NodeJS.Timeout }).redialTimer).toBeUndefined();
    }
    expect(s1.connectionsOpened).toBe(2);

    // A server that goes away for good: re-dials (refused) until the deadline, then gives up.
    const port = await freePort();
    const { node: s2 } = await cleanup.server({ id: 2, port });
    let gaveUp: string | undefined;
    const orphan = await client({ id: 103, serverPort: port, reconnect: true, reconnectDeadlineMs: 400, onGiveUp: (why) => (gaveUp = why) });
    await waitFor(() => s2.core.host(103), 3000, '103 registered');
    await s2.stop();
    await waitFor(() => gaveUp, 5000, 'the client to give up');
    expect(gaveUp).toMatch(/giving up/);
    expect(orphan.state().connected).toBe(false);
  });
});

describe('reconnecting clients in the simulator (on by default)', () => {
  it('a client whose cut link comes back re-registers: the model expects it again, and the network knows it', async () => {
    const { sim } = await start({ topology: resolveTopology('chain:2', { clients: 3 }), proxyClients: [100002] });
    const link = sim.link(100002, 2);
    await link.down('both', 'reset');
    await sim.forgotten(100002, { timeoutMs: 5000 });
    await sim.converged({ timeoutMs: 5000 }); // without it
    await link.up();
    await sim.known(100002, { timeoutMs: 10_000 });
    await sim.converged({ timeoutMs: 10_000 }); // with it again
    expect((await sim.clientState(100002)).connectedUserIds.sort()).toEqual([100001, 100003]);
    expect(ids((await sim.serverState(1)).hosts)).toEqual([2, 100001, 100002, 100003]);
  });

  it('a client\'s traffic goes on after it re-dials: chats sent after the link comes back arrive', async () => {
    const { sim, events } = await start({ topology: resolveTopology('chain:2', { clients: 3 }), proxyClients: [100002] });
    const delivered = (after: number) => events.filter((e): e is Extract<SimEvent, { type: 'chat-delivered' }> =>
      e.type === 'chat-delivered' && e.node === 100001 && e.t > after && parseTrafficText(e.content)?.tag === 'r').length;
    const traffic = sim.traffic(100002, 100001, 50, 32, 12_000, 'r');
    await waitFor(() => delivered(0) >= 5, 5000, 'chats before the cut');
    const link = sim.link(100002, 2);
    await link.down('both', 'reset');
    await sim.forgotten(100002, { timeoutMs: 5000 });
    await link.up();
    await sim.known(100002, { timeoutMs: 10_000 });
    const back = nowMs();
    await waitFor(() => delivered(back) >= 5, 8000, 'chats after the client came back');
    const { sent } = await traffic;
    const all = delivered(0);
    console.info(`traffic through a re-dial: ${sent} sent, ${all} delivered`);
    expect(all).toBeGreaterThan(0);
    expect(all).toBeLessThanOrEqual(sent);
  }, 30_000);

  it('the clients of a crashed server come back with it when it restarts', async () => {
    const { sim } = await start({ topology: resolveTopology('chain:3', { clients: 3 }) });
    await sim.crash(2); // client 100002 is on server 2
    await sim.forgotten(100002, { timeoutMs: 5000 });
    await sim.converged({ timeoutMs: 5000 });
    await sim.restart(2);
    await sim.known(100002, { timeoutMs: 10_000 });
    await sim.converged({ timeoutMs: 15_000 });
    expect(ids((await sim.serverState(3)).hosts)).toEqual([1, 2, 100001, 100002, 100003]);
  });
});
