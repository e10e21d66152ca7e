// Over real sockets, a foreign server of the D/E convention (docs/protocol-notes.md) joins:
// it echoes its registration with OUR id as last_hop and relays a client twice. Neither is
// answered (no duplicate-id status reaches its graded log), nothing is a protocol error, and
// both are counted on /metrics.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, StatusCode } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { monitorOf, rawClient, rawServer, relayedClients, sample } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('a foreign server that echoes and repeats', () => {
  it('is not answered with a duplicate-id status; echoes and repeats are counted', async () => {
    const { node } = await cleanup.server({ id: 1 });
    const monitor = await monitorOf(cleanup, node);
    const foreign = await rawServer(cleanup, node.port, 7);
    const local = await rawClient(cleanup, node.port, 101);
    // Our reply to its join: our registration with last_hop 0 (the only value A, B and C accept).
    expect(foreign.messages[0]).toMatchObject({ type: MessageType.ServerRegistration, sourceId: 1, lastHopId: 0 });
    foreign.write({ type: MessageType.ServerRegistration, sourceId: 7, lastHopId: 1, name: 'raw7', info: '' }); // the D, E echo
    foreign.write(relayedClients(701, 1, 7));
    foreign.write(relayedClients(701, 1, 1)); // again, with our id as last_hop (D, E)
    await waitFor(() => local.messages.some((m) => m.sourceId === 701), 3000, 'client 101 to hear of 701');
    await waitFor(() => node.core.counters.repeatsIgnored === 1, 3000, 'the repeat to be counted');
    expect(node.core.counters.echoesIgnored).toBe(1);
    expect(node.protocolErrors).toBe(0);
    expect(node.core.host(701)).toMatchObject({ kind: 'client', firstLinkId: 7 });
    // Anything sent back for the echo or the repeat would reach the foreign server before this chat.
    local.write({ type: MessageType.ClientChat, sourceId: 101, destinationId: 701, content: 'to 701' });
    await waitFor(() => foreign.messages.some((m) => m.type === MessageType.ClientChat), 3000, 'the chat to reach 7');
    expect(foreign.messages.filter((m) => m.type === MessageType.Status && m.statusCode === StatusCode.DuplicateId)).toEqual([]);
    const metrics = await (await fetch(`${monitor}/metrics`)).text();
    expect(sample(metrics, 'crc_registration_echoes_total', 1)).toBe(1);
    expect(sample(metrics, 'crc_registration_repeats_total', 1)).toBe(1);
  });
});
