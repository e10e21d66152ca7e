// A client that re-dials can reach its server before the server has seen the old connection
// close (a late host, a slow FIN): its id is still taken and the registration is refused as a
// duplicate. It must try again, not sit unregistered until the server's registration timeout
// (seen in bandwidth-overflow at load 80: frodobaggins gone for 10 s, "consistent: never").
import { MessageType } from '../../src/protocol/index.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrcClientNode } from '../../src/net/client-node.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { clientOf } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const client = (opts: Parameters<Cleanup['client']>[0]): Promise<CrcClientNode> => clientOf(cleanup, opts);

describe('a re-dialling client refused as a duplicate', () => {
  it('closes and re-dials with backoff, and registers once the old connection is gone', async () => {
    // A long registration timeout: only a re-dial can get the client registered in time.
    const { node: s1 } = await cleanup.server({ id: 1, registrationTimeoutMs: 60_000 });
    const old = await cleanup.raw(s1.port);
    old.write({ type: MessageType.ClientRegistration, sourceId: 101, lastHopId: 0, name: 'old', info: '' });
    await waitFor(() => s1.core.host(101), 3000, 'the old connection registered as 101');
    const back = await client({ id: 101, name: 'back', serverPort: s1.port, reconnect: true });
    await waitFor(() => back.state().statusLog.length >= 2, 5000, 'two refusals');
    expect(s1.core.host(101)).toMatchObject({ name: 'old' });
    old.destroy();
    // Registered on the server, and the welcome read by the client (it may come a turn later).
    await waitFor(() => s1.core.host(101)?.name === 'back' && back.state().statusLog.some((l) => l.startsWith('Welcome')), 5000, 'the re-dial registered and welcomed');
    const refusals = back.state().statusLog.filter((l) => !l.startsWith('Welcome')).length;
    expect(refusals).toBeGreaterThanOrEqual(2);
    expect(refusals).toBeLessThan(12); // backoff, not a tight loop
  });

  it('a client without reconnect stays connected, as a course client does', async () => {
    const { node: s1 } = await cleanup.server({ id: 1 });
    const old = await cleanup.raw(s1.port);
    old.write({ type: MessageType.ClientRegistration, sourceId: 101, lastHopId: 0, name: 'old', info: '' });
    await waitFor(() => s1.core.host(101), 3000, 'the old connection registered as 101');
    const plain = await client({ id: 101, name: 'plain', serverPort: s1.port });
    await waitFor(() => plain.state().statusLog.length === 1, 3000, 'the refusal');
    expect(plain.state().connected).toBe(true);
  });
});
