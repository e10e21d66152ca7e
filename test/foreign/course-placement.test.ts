// The course fixture (test/fixtures/course-impl, preset "self") as server 2 of chain:3 under
// our adapter, ours on 1 and 3: boot in tree order, convergence seen through the adapter's
// events, chats across it both ways, its state with the kinds the coordinator knows, a crash
// (SIGKILL: ours netsplit) and a restart on the same port that joins again.
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { withImpl } from '../../src/topology/impl.ts';
import { waitFor } from '../net/helpers.ts';
import { FIXTURE_DIR, NO_PYTHON } from './helpers.ts';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => {});
});

const byId = (a: number, b: number) => a - b;

describe.skipIf(NO_PYTHON)('a course-layout server in a tree of ours', () => {
  it('boots, converges (the Ledger sees its knowledge), carries chats, crashes and restarts', async () => {
    const topology = withImpl(resolveTopology('chain:3'), { course: FIXTURE_DIR }, [2]);
    const events: SimEvent[] = [];
    const sim = await Simulation.start({ topology, pingIntervalMs: 0, onEvent: (e) => events.push(e) });
    stops.push(() => sim.stop());
    await sim.addClient({ id: 101, name: 'c101', info: 'on 1', server: 1 });
    await sim.addClient({ id: 103, name: 'c103', info: 'on 3', server: 3 });
    await sim.converged({ timeoutMs: 30_000 });
    expect([...sim.knownBy(2)].sort(byId)).toEqual([1, 3, 101, 103]);
    expect(events.some((e) => e.node === 2 && e.type === 'host-learned')).toBe(true);

    const state = await sim.serverState(2);
    expect(state.hosts.map((h) => [h.id, h.kind]).sort((a, b) => byId(a[0] as number, b[0] as number))).toEqual([[1, 'server'], [3, 'server'], [101, 'client'], [103, 'client']]);

    await expect(sim.counters(2)).rejects.toThrow(/keeps no counters/);
    await sim.chat(101, 103, 'through the course server');
    await sim.chat(103, 101, 'and back');
    await waitFor(() => events.filter((e) => e.type === 'chat-delivered').length === 2, 15_000, 'both chats delivered');

    const port = sim.port(2);
    await sim.crash(2);
    await sim.forgotten(2, { timeoutMs: 15_000 });
    await sim.restart(2);
    expect(sim.port(2)).toBe(port);
    await sim.converged({ timeoutMs: 30_000 });
    expect([...sim.knownBy(1)].sort(byId)).toEqual([2, 3, 101, 103]);
  }, 120_000);

  it('a course server joining a course server boots: joins go depth by depth, as a course server dials once', async () => {
    const topology = withImpl(resolveTopology('chain:4'), { course: FIXTURE_DIR }, [2, 3]);
    const sim = await Simulation.start({ topology, pingIntervalMs: 0 });
    stops.push(() => sim.stop());
    await sim.converged({ timeoutMs: 30_000 });
    expect([...sim.knownBy(3)].sort(byId)).toEqual([1, 2, 4]);
  }, 120_000);
});
