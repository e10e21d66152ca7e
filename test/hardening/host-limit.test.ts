// A server knows at most maxHosts hosts: past it, registrations are refused with a status and
// counted, with one log line, and the server keeps serving the hosts it has.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_HOSTS, HOST_LIMIT_STATUS } from '../../src/core/index.ts';
import { MessageType } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, monitorOf, rawServer, relayedClients, sample } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the host limit', () => {
  it('refuses a flood of registrations past maxHosts; the honest are still served and newcomers fit once it is gone', async () => {
    const max = 1000;
    const { node, logs } = await cleanup.server({ id: 1, maxHosts: max });
    const monitor = await monitorOf(cleanup, node);
    const { alice, bob } = await honestPair(cleanup, node.port);
    const flooder = await rawServer(cleanup, node.port, 50);
    const n = 50_000;
    const t0 = performance.now();
    flooder.write(relayedClients(100_000, n, 50));
    const admitted = max - 3; // 101, 102 and 50 are in already
    await waitFor(() => node.core.counters.registrationsRefused === n - admitted, 20_000, 'every registration past the limit refused');
    console.info(`${n} registrations against a limit of ${max}: handled in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(node.core.hostCount).toBe(max);
    expect(alice.state().connectedUserIds).toHaveLength(admitted + 1);
    // Each refusal is answered, with its own status code.
    await waitFor(() => flooder.messages.filter((m) => m.type === MessageType.Status && m.statusCode === HOST_LIMIT_STATUS).length === n - admitted, 5000, 'a refusal status for each');
    expect(logs.filter((l) => l.includes(`host table full (${max} hosts)`))).toHaveLength(1);
    const metrics = await (await fetch(`${monitor}/metrics`)).text();
    expect(sample(metrics, 'crc_registrations_refused_total', 1)).toBe(n - admitted);
    expect(sample(metrics, 'crc_max_hosts', 1)).toBe(max);
    await expectTalking(alice, bob, 'during the flood');

    // A newcomer is refused while the table is full, and fits once the flooder's hosts are gone.
    const early = await cleanup.client({ id: 103, name: 'early', serverPort: node.port });
    await waitFor(() => early.state().statusLog.length === 1, 3000, 'the early newcomer answered');
    expect(early.state().statusLog[0]).toContain('Server full');
    flooder.destroy();
    await waitFor(() => node.core.hostCount === 2, 3000, 'the flooder and everything behind it forgotten');
    const late = await cleanup.client({ id: 104, name: 'late', serverPort: node.port });
    await waitFor(() => late.state().statusLog.length === 1, 3000, 'the late newcomer answered');
    expect(late.state().statusLog).toEqual(['Welcome to the Clemson Relay Chat network late']);
    await expectTalking(alice, late, 'with the late newcomer');
  });

  it('defaults to room for a tree of 10,000 servers with their clients', async () => {
    const { node, logs } = await cleanup.server({ id: 1 });
    expect(DEFAULT_MAX_HOSTS).toBe(100_000);
    expect(node.core.limits).toEqual({ maxHosts: 100_000, statusLogSize: 1000 });
    expect(logs).toContain('[s1#1] limits: 100000 hosts, 1000 status log entries');
  });
});
