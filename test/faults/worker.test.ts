// The proxy-host worker as the coordinator will use it: WorkerHandle<ProxyHostApi> with
// script 'proxy-host', comlink calls, and event batches on the event port.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { WorkerHandle } from '../../src/threads/worker-handle.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import type { ProxyStats } from '../../src/faults/proxy.ts';
import type { ProxyHostApi } from '../../src/threads/worker-api.ts';
import { Cleanup, now, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('proxy-host worker', () => {
  it('hosts proxies over comlink: add, toxics, faults, stats, events, errors, stop', async () => {
    const events: ProxyEvent[] = [];
    const handle = new WorkerHandle<ProxyHostApi, ProxyEvent>({
      label: 'proxies', kind: 'network',
      onEvents: (batch) => events.push(...batch),
    });
    cleanup.add(() => handle.stop());
    const echo = await cleanup.server(true);
    const target = { host: '127.0.0.1', port: echo.port };
    const port = await handle.call('addProxy', (api) => api.addProxy('a-b', target, 7));
    await handle.call('addProxy', (api) => api.addProxy('a-c', target, 8));
    expect(port).toBeGreaterThan(0);
    const types = await handle.call('toxicTypes', (api) => api.toxicTypes());
    expect(types.map((t) => t.type)).toContain('latency');

    const name = await handle.call('addToxic', (api) => api.addToxic('a-b', parseToxicSpec({ type: 'latency', direction: 'upstream', ms: 30 })));
    expect(name).toBe('latency_upstream');
    const client = await cleanup.client(port);
    const t0 = now();
    client.write('ping');
    await waitFor(() => client.bytes === 4, 3000, 'the echo');
    expect(now() - t0).toBeGreaterThanOrEqual(30);

    // A toxic crosses validated (parsed on this side); what was not is refused, not run.
    await expect(handle.call('addToxic', (api) => api.addToxic('a-b', { type: 'bandwidth', rate: -1 } as never))).rejects.toThrow(/not a validated toxic/);
    await expect(handle.call('addToxic', (api) => api.addToxic('nope', parseToxicSpec({ type: 'latency', ms: 1 })))).rejects.toThrow(/no proxy 'nope'/);

    await handle.call('hold', (api) => api.hold('a-b'));
    client.write('held');
    await waitFor(async () => (await handle.call('stats', (api) => api.stats('a-b'))).upstream.queued === 4, 3000, 'bytes queued');
    const faults = await handle.call('snapshot', (api) => api.snapshot('a-b'));
    expect(faults).toEqual({ toxics: [expect.objectContaining({ name: 'latency_upstream', attributes: { ms: 30, jitter: 0, distribution: 'uniform' } })], down: {}, held: ['upstream', 'downstream'] });
    await handle.call('release', (api) => api.release('a-b'));
    await waitFor(() => client.bytes === 8, 3000, 'the held bytes');
    await handle.call('removeToxic', (api) => api.removeToxic('a-b', 'latency_upstream'));

    const all = await handle.call('stats', (api) => api.allStats());
    expect(Object.keys(all).sort()).toEqual(['a-b', 'a-c']);
    expect(all['a-b']).toMatchObject({ connections: { open: 1, total: 1 }, upstream: { out: 8 }, toxics: [] });

    await handle.call('down', (api) => api.down('a-b'));
    await waitFor(() => client.closedAt !== undefined, 3000, 'the cut');
    await handle.call('removeProxy', (api) => api.removeProxy('a-c'));
    await handle.call('flushEvents', (api) => api.flushEvents());
    await waitFor(() => events.some((e) => e.type === 'proxy-conn-closed'), 3000, 'events');
    const seen = events.map((e) => e.type);
    for (const t of ['toxic-added', 'proxy-conn-opened', 'link-hold', 'link-release', 'toxic-removed', 'link-down', 'proxy-conn-closed'] as const) {
      expect(seen).toContain(t);
    }
    expect(events.every((e) => e.proxy === 'a-b' && e.t > 0)).toBe(true);
    await handle.stop();
    expect(handle.alive).toBe(false);
  });
});
