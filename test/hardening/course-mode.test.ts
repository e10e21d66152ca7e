// Course drop-in: with staticTree a server keeps the course reference's static tree (a lost
// link or a vanished client is not propagated), and a host name that resolves nowhere, as the
// course harness passes them, is dialled at 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, hostIds, waitFor } from '../net/helpers.ts';
import { serverPair } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('staticTree (course-reference mode)', () => {
  it('a client gone without a quit, then a lost server link, change nobody\'s state; a quit still does', async () => {
    const { a, b } = await serverPair(cleanup, { staticTree: true });
    const watcher = await cleanup.client({ id: 101, serverPort: a.port });
    const leaver = await cleanup.client({ id: 103, serverPort: a.port });
    const vanisher = await cleanup.client({ id: 102, serverPort: b.port });
    await waitFor(() => watcher.state().connectedUserIds.length === 2 && b.core.host(103), 3000, 'everyone registered');

    await vanisher.disconnect();
    await waitFor(() => b.connectionCounts().client === 0, 3000, 'b to see 102\'s socket close');
    await b.stop();
    await waitFor(() => a.connectionCounts().server === 0, 3000, 'a to see the link to b close');
    expect(hostIds(a)).toEqual([2, 101, 102, 103]);
    expect(b.state().hosts.map((h) => h.id).sort()).toEqual([1, 101, 102, 103]);
    expect(a.core.adjacentServerIds()).toEqual([2]);
    expect(watcher.state().connectedUserIds.sort()).toEqual([102, 103]);

    // An explicit quit is a message, not a lost link: it still goes round.
    await leaver.quit('bye');
    await waitFor(() => !a.core.host(103), 3000, 'a to forget the client that quit');
    await waitFor(() => !watcher.state().connectedUserIds.includes(103), 3000, 'the watcher told of the quit');
  });
});

describe('a host name that does not resolve', () => {
  it('is dialled at 127.0.0.1 by a joining server and by a client, with one log line each', async () => {
    const { node: a } = await cleanup.server({ id: 1 });
    const { node: b, logs } = await cleanup.server({ id: 2, joinDeadlineMs: 3000, connectTo: { host: 'theshire.invalid', port: a.port } });
    await waitFor(() => a.core.host(2) && b.core.host(1), 3000, 'b joined a through the fallback');
    expect(logs.filter((l) => l.includes('does not resolve'))).toEqual([
      "[s2#2] host 'theshire.invalid' does not resolve: dialling 127.0.0.1 instead, as the course's servers do",
    ]);
    const clientLogs: string[] = [];
    const c = await cleanup.client({ id: 101, serverHost: 'rivendale.invalid', serverPort: b.port, log: (l) => clientLogs.push(l) });
    await waitFor(() => a.core.host(101), 3000, 'the client registered through the fallback');
    expect(c.state().connected).toBe(true);
    expect(clientLogs.filter((l) => l.includes('does not resolve'))).toHaveLength(1);
  });
});
