// A server quit (0x02) for the sending server's own id is that link going: everything behind
// it is forgotten and announced, on every server, and its ids are free again.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { Cleanup, hostIds, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, rawServer, relayedClients, serverPair } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('a server that quits for its own id', () => {
  it('takes every host behind it out of both servers\' tables, and a newcomer may take their ids', async () => {
    const { a, b } = await serverPair(cleanup);
    const { alice, bob } = await honestPair(cleanup, a.port, b.port);
    const quitter = await rawServer(cleanup, a.port, 50);
    // Behind it: server 51 and clients 60..64.
    quitter.write(Buffer.concat([
      encode({ type: MessageType.ServerRegistration, sourceId: 51, lastHopId: 50, name: 'behind', info: '' }),
      relayedClients(60, 5, 50),
    ]));
    const behind = [50, 51, 60, 61, 62, 63, 64];
    await waitFor(() => behind.every((id) => b.core.host(id)), 3000, 'b to learn everything behind 50');

    quitter.write({ type: MessageType.ServerQuit, sourceId: 50, replacementId: 0, content: 'bye' });
    await waitFor(() => quitter.closed, 3000, 'a to close the quitter\'s link');
    for (const [name, node] of [['a', a], ['b', b]] as const) {
      await waitFor(() => !behind.some((id) => node.core.host(id)), 3000, `${name} to forget everything behind 50`);
    }
    expect(hostIds(a)).toEqual([2, 101, 102]);
    expect(hostIds(b)).toEqual([1, 101, 102]);
    expect(alice.state().connectedUserIds.sort()).toEqual([102]);

    // A ghost's id is free: a newcomer is welcomed with it, everywhere.
    const newcomer = await cleanup.client({ id: 60, name: 'newcomer', serverPort: b.port });
    await waitFor(() => a.core.host(60)?.firstLinkId === 2, 3000, 'a to learn the new 60 behind b');
    expect(newcomer.state().statusLog).toEqual(['Welcome to the Clemson Relay Chat network newcomer']);
    await expectTalking(alice, bob, 'after the quit');
    await expectTalking(alice, newcomer, 'with the newcomer');
  });
});
