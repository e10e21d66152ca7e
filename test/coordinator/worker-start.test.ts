// A call's timeout counts from when its worker thread is ready, not from its spawn: loading the
// modules is start-up, bounded apart (WORKER_START_TIMEOUT_MS). CI once failed `npm start --
// --topology tree:1000:7` with "start server s1: worker servers-1 … did not answer within
// 10000 ms" while twenty threads loaded at once on two loaded cores.
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_YOUNG_GENERATION_MB, WorkerHandle } from '../../src/threads/worker-handle.ts';
import type { ProxyHostApi } from '../../src/threads/worker-api.ts';

const handles: WorkerHandle<ProxyHostApi>[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

describe('WorkerHandle start-up', () => {
  it.each(['servers', 'network'] as const)('a %s thread: a call is timed from when the thread is ready, then times out as before', async (kind) => {
    const h = new WorkerHandle<ProxyHostApi>({ kind, label: `start-${kind}`, eventTypes: [] });
    handles.push(h);
    let readyAt: number | undefined;
    void h.ready.then(() => { readyAt = performance.now(); });
    // Timed from the spawn, 1 ms runs out long before the thread has loaded its modules.
    await expect(h.call('never', () => new Promise<never>(() => {}), 1)).rejects.toThrow(`never: worker start-${kind} did not answer within 1 ms`);
    expect(readyAt, 'the call timed out before the thread was ready').toBeDefined();
    await expect(h.call('lateness', (api) => api.lateness(0, 0))).resolves.toMatchObject({ summary: expect.any(Object) });
  });
});

describe('WorkerHandle heap', () => {
  afterEach(() => { delete process.env.CRC_WORKER_YOUNG_GENERATION_MB; });

  it('runs each thread with a small young generation (V8 default: futile full GCs in a busy server thread), or V8\'s with 0', async () => {
    const small = new WorkerHandle<ProxyHostApi>({ kind: 'servers', label: 'heap-small', eventTypes: [] });
    handles.push(small);
    await small.ready;
    expect(small.resourceLimits.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
    process.env.CRC_WORKER_YOUNG_GENERATION_MB = '0';
    const v8Default = new WorkerHandle<ProxyHostApi>({ kind: 'servers', label: 'heap-default', eventTypes: [] });
    handles.push(v8Default);
    await v8Default.ready;
    expect(v8Default.resourceLimits.maxYoungGenerationSizeMb).toBeGreaterThan(WORKER_YOUNG_GENERATION_MB);
  });

  it('names the variable when its value is not a whole number of MiB', () => {
    process.env.CRC_WORKER_YOUNG_GENERATION_MB = 'lots';
    expect(() => new WorkerHandle<ProxyHostApi>({ kind: 'servers', label: 'heap-bad', eventTypes: [] })).toThrow(/CRC_WORKER_YOUNG_GENERATION_MB: expected a whole number of MiB/);
  });
});
