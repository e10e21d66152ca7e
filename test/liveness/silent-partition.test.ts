// Silent partitions on real worker threads and sockets: the proxies drop the bytes and close
// nothing, so only liveness can find them. Both sides must forget each other within the
// detection bound (ping timeout + one interval, plus slack for a loaded machine), the model
// must keep the old view until then, and healing must bring the whole tree back.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PING_INTERVAL_MS as INTERVAL, DEFAULT_PING_TIMEOUT_MS as TIMEOUT } from '../../src/coordinator/liveness-defaults.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { nowMs } from '../../src/util/clock.ts';
import { closedWith, ids, linkDeads, start, stopAll } from './helpers.ts';
import { waitFor } from '../wait.ts';

afterEach(stopAll);

/** Timer and scheduling delays on two shared cores, on top of the bound. */
const SLACK = 750;
const BOUND = TIMEOUT + INTERVAL;
const SIDE_A = [1, 2, 3, 5, 8];
const SIDE_B = [4, 6, 7, 9, 10, 11];

describe('silent partitions, found by liveness (default 250 ms / 1 s)', () => {
  it('both ways on middle-earth: each side forgets the other within the bound, the model waits for it, heal reconverges', async () => {
    const { sim, events, proxyEvents } = await start({ topology: resolveTopology('middle-earth'), proxyLinks: 'all' });
    const t0 = nowMs();
    const cut = await sim.partition([SIDE_A, SIDE_B], { mode: 'silent' });
    expect(cut.map((l) => `${l.child}-${l.parent}`)).toEqual(['4-2']);
    // Nothing closed, so nobody can know yet: the model still expects the old view.
    expect(sim.isConverged()).toBe(true);
    const forgot = await Promise.all([
      sim.forgotten(108, { by: SIDE_A, timeoutMs: BOUND + 5000 }),
      sim.forgotten(4, { by: SIDE_A, timeoutMs: BOUND + 5000 }),
      sim.forgotten(101, { by: SIDE_B, timeoutMs: BOUND + 5000 }),
      sim.forgotten(2, { by: SIDE_B, timeoutMs: BOUND + 5000 }),
    ]);
    const took = Math.max(...forgot.map((f) => f.at)) - t0;
    expect(took).toBeLessThanOrEqual(BOUND + SLACK);
    // Not found by a closed socket: silence had to last most of a timeout first.
    expect(Math.min(...forgot.map((f) => f.at)) - t0).toBeGreaterThanOrEqual(TIMEOUT - 2 * INTERVAL);
    await sim.converged({ timeoutMs: 5000 }); // the split model, once the bound has passed
    expect(ids((await sim.serverState(7)).hosts)).toEqual([4, 6, 9, 10, 11, 105, 106, 108]);
    expect(ids((await sim.serverState(3)).hosts)).toEqual([1, 2, 5, 8, 101, 102, 103, 104, 107]);

    // Both ends of the cut link called it dead, with the reason in the event and the close.
    const dead = linkDeads(events).filter((e) => e.reason === 'ping timeout');
    expect(dead.map((e) => `${e.node}>${e.peerId}`).sort()).toEqual(['2>4', '4>2']);
    for (const e of dead) expect(e.silentMs).toBeGreaterThanOrEqual(TIMEOUT);
    expect(closedWith(events, 'ping timeout').map((e) => e.node).sort()).toEqual([2, 4]);
    expect(proxyEvents.find((e) => e.type === 'link-down')).toMatchObject({ proxy: 'link-4-2', direction: 'both', mode: 'silent' });
    const stats = await sim.link(4, 2).stats();
    expect(stats.silent).toEqual(['upstream', 'downstream']);
    expect(stats.upstream.dropped + stats.downstream.dropped).toBeGreaterThan(0);

    await sim.heal();
    await Promise.all([108, 101, 4, 2].map((id) => sim.known(id, { timeoutMs: 10_000 })));
    await sim.converged({ timeoutMs: 10_000 });
    expect(ids((await sim.serverState(3)).hosts)).toHaveLength(18);
  });

  it('one way (upstream) on a chain: the parent finds it, its close reaches the child, both forget; up reconverges', async () => {
    const { sim, events } = await start({ topology: resolveTopology('chain:3', { clients: 3 }), proxyLinks: 'all' });
    // s1-s2-s3, client 10000k on server k; the link 3-2: upstream = s3 -> s2.
    const t0 = nowMs();
    await sim.link(3, 2).down('upstream', 'close', 'silent');
    const forgot = await Promise.all([
      sim.forgotten(3, { by: [1, 2], timeoutMs: BOUND + 5000 }),
      sim.forgotten(100003, { by: [1, 2], timeoutMs: BOUND + 5000 }),
      sim.forgotten(2, { by: [3], timeoutMs: BOUND + 5000 }),
      sim.forgotten(100001, { by: [3], timeoutMs: BOUND + 5000 }),
    ]);
    expect(Math.max(...forgot.map((f) => f.at)) - t0).toBeLessThanOrEqual(BOUND + SLACK);
    await sim.converged({ timeoutMs: 5000 });
    // Only the side that hears nothing calls the link 3-2 dead (a loaded machine may time out others).
    const dead = linkDeads(events).filter((e) => e.reason === 'ping timeout' && [2, 3].includes(e.node) && [2, 3].includes(e.peerId));
    expect(dead.map((e) => `${e.node}>${e.peerId}`)).toEqual(['2>3']);
    expect(events.some((e) => e.type === 'conn-closed' && e.node === 3 && e.reason === 'peer closed the connection')).toBe(true);
    expect(sim.link(3, 2).faults()).toMatchObject({ cut: undefined, upstream: { down: 'silent' }, downstream: { down: undefined } });
    expect((await sim.link(3, 2).stats()).downstream.dropped).toBe(0);

    await sim.link(3, 2).up('upstream');
    await sim.converged({ timeoutMs: 10_000 });
    expect(ids((await sim.serverState(1)).hosts)).toEqual([2, 3, 100001, 100002, 100003]);
  });

  it('without liveness a silent partition is never found: nobody forgets, the model keeps the old view; heal resets what lost bytes', async () => {
    const { sim, events } = await start({ topology: resolveTopology('chain:2', { clients: 2 }), proxyLinks: 'all', pingIntervalMs: 0 });
    await sim.partition([[1], [2]], { mode: 'silent' });
    await sim.chat(100001, 100002, 'into the void');
    // Time is under test: past the bound within which liveness would have found the partition.
    await new Promise((r) => setTimeout(r, BOUND + 300));
    expect(events.filter((e) => e.type === 'host-forgotten')).toEqual([]);
    expect(sim.isConverged()).toBe(true);
    expect((await sim.clientState(100002)).chatLog).toEqual([]);
    expect((await sim.link(1, 2).stats()).downstream.dropped).toBeGreaterThan(0);

    await sim.heal(); // the stream that lost the chat cannot go on: reset, split, re-joined
    await waitForForget(events, 100001);
    await sim.converged({ timeoutMs: 10_000 });
    expect((await sim.clientState(100002)).connectedUserIds).toEqual([100001]);
    expect((await sim.clientState(100002)).chatLog).toEqual([]);
  });
});

/** Until some node has forgotten `id` (an event, whatever the model expects). */
async function waitForForget(events: Array<{ type: string; id?: number }>, id: number): Promise<void> {
  await waitFor(() => events.some((e) => e.type === 'host-forgotten' && e.id === id), 5000, `some node to forget ${id}`);
}
