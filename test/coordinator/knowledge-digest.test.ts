// Knowledge by digest: the worker-side keeper folds learn/forget events into one digest per
// node, and the Ledger in digest mode converges, forgets and times out on digests alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DIGEST_MS_PER_NODE, DigestKeeper, digestOf, mixId } from '../../src/coordinator/knowledge-digest.ts';
import { ConvergenceTimeout, Ledger } from '../../src/coordinator/ledger.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const digest = (node: number, ids: number[], t: number): SimEvent => ({ type: 'knowledge', node, t, ...digestOf(ids) });

/** Servers 1-2-3, client 101 on server 1. */
function ledger(): Ledger {
  const l = new Ledger((id) => `n${id}`, { digests: true });
  for (const s of [1, 2, 3]) l.addServer(s);
  l.addClient(101, 1);
  return l;
}

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('knowledge digests', () => {
  it('after a big post the keeper waits longer, so a thread of many learning nodes posts a bounded rate', () => {
    vi.useFakeTimers();
    try {
      const posted: SimEvent[] = [];
      const k = new DigestKeeper((e) => posted.push(e), 20);
      for (let node = 1; node <= 100; node++) k.fold(node, { type: 'host-learned', id: 1000 }, 1);
      vi.advanceTimersByTime(20);
      expect(posted).toHaveLength(100);
      k.fold(1, { type: 'host-learned', id: 1001 }, 2);
      vi.advanceTimersByTime(100 * DIGEST_MS_PER_NODE - 1);
      expect(posted).toHaveLength(100); // 100 digests went out: the next waits 100 x DIGEST_MS_PER_NODE
      vi.advanceTimersByTime(1);
      expect(posted).toHaveLength(101);
      k.fold(2, { type: 'host-learned', id: 1001 }, 3);
      vi.advanceTimersByTime(20); // one digest went out: back to the interval
      expect(posted).toHaveLength(102);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the keeper posts one digest per changed node, learned minus forgotten', () => {
    const posted: SimEvent[] = [];
    const k = new DigestKeeper((e) => posted.push(e), 1_000_000);
    for (const id of [2, 3, 4]) k.fold(1, { type: 'host-learned', id }, 10 + id);
    k.fold(1, { type: 'host-forgotten', id: 3 }, 20);
    k.fold(2, { type: 'host-learned', id: 1 }, 21);
    expect(k.fold(1, { type: 'link-up' }, 22)).toBe(false);
    k.flush();
    expect(posted).toEqual([
      { type: 'knowledge', node: 1, t: 20, ...digestOf([2, 4]) },
      { type: 'knowledge', node: 2, t: 21, ...digestOf([1]) },
    ]);
    k.flush();
    expect(posted).toHaveLength(2); // nothing changed since
    expect(k.counters).toEqual({ posted: 2, folded: 5 });
    // A node that starts afresh (a client back with its id) is posted as knowing nothing.
    k.reset(1, 30);
    k.fold(1, { type: 'host-learned', id: 7 }, 31);
    k.flush();
    expect(posted.at(-1)).toEqual({ type: 'knowledge', node: 1, t: 31, ...digestOf([7]) });
  });

  it('converges on digests, and a swapped host (same count) is caught by the sum', async () => {
    const l = ledger();
    l.apply([digest(1, [2, 3, 101], 5), digest(2, [1, 3, 101], 6), digest(101, [], 7)]);
    expect(l.isConverged()).toBe(false);
    expect(l.diff()).toEqual(['n3 (3): knows 0 hosts, should know 3']);
    const waiting = l.converged({ timeoutMs: 1000 });
    l.apply([digest(3, [1, 2, 999], 8)]);
    expect(l.diff()).toEqual(['n3 (3): knows 3 hosts, should know 3 (same count, other hosts)']);
    l.apply([digest(3, [1, 2, 101], 9)]);
    expect(await waiting).toEqual({ at: 9 });
    expect(mixId(101)).not.toBe(mixId(999));
    expect(() => l.knownBy(1)).toThrow(/digests/);
  });

  it('a quit is forgotten when every node\'s digest leaves it out, at the latest change', async () => {
    const l = ledger();
    l.apply([digest(1, [2, 3, 101], 5), digest(2, [1, 3, 101], 6), digest(3, [1, 2, 101], 7), digest(101, [], 7)]);
    expect(l.isConverged()).toBe(true);
    l.remove(101, { leaving: true });
    const gone = l.forgotten(101, { timeoutMs: 1000 });
    l.apply([digest(1, [2, 3], 20), digest(3, [1, 2], 22)]);
    l.apply([digest(2, [1, 3], 21)]);
    expect(await gone).toEqual({ at: 22 });
    const err = await l.forgotten(3, { timeoutMs: 20, by: [3] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeUndefined(); // 3 itself is consistent
    l.remove(3);
    const late = await l.forgotten(3, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ConvergenceTimeout);
    expect((late as ConvergenceTimeout).diff).toEqual(['n1 (1): knows 2 hosts, should know 1', 'n2 (2): knows 2 hosts, should know 1']);
  });

  it('a network in worker threads converges by digest and forgets a quit client', async () => {
    const topology = resolveTopology('middle-earth');
    sim = await Simulation.start({ topology, serversPerWorker: 4, knowledge: 'digest' });
    await sim.converged({ timeoutMs: 15_000 });
    const sent = await sim.quit(101, 'bye');
    const { at } = await sim.forgotten(101, { timeoutMs: 15_000 });
    expect(at).toBeGreaterThanOrEqual(sent);
    expect(sim.isConverged()).toBe(true);
    expect((await sim.serverState(2)).hosts.some((h) => h.id === 101)).toBe(false);
    // Back with the same id: its worker starts its digest afresh, so the network converges again.
    await sim.addClient(topology.clients.find((c) => c.id === 101)!);
    await sim.known(101, { timeoutMs: 15_000 });
    expect(sim.isConverged()).toBe(true);
  });
});
