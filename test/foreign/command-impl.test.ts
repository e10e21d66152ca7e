// A foreign server given as a command (any program, black-box): here our own crc-server run as
// a stranger would run it, placeholders filled at join time. It boots in tree order beside
// ours, the tree converges (the Ledger counts what the others know of it, never what it
// knows), chats cross it, and its state is refused with an error that says it is black-box.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { withImpl } from '../../src/topology/impl.ts';
import { waitFor } from '../net/helpers.ts';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => {});
});

const crcServer = fileURLToPath(new URL('../../dist/src/cli/crc-server.js', import.meta.url));
// {connect_port} is 0 for a root (the course's "none"); crc-server wants no flag then.
const command = ['sh', '-c', `if [ {connect_port} = 0 ]; then set --; else set -- --connect_to_host {connect_host} --connect_to_port {connect_port}; fi; exec "${process.execPath}" "${crcServer}" --id {id} --servername {name} --info '{info}' --port {port} --exit-on-stdin-close "$@"`];

describe('a command impl (black-box) in a tree of ours', () => {
  it('boots in tree order, converges, carries chats both ways, and is black-box to state()', async () => {
    const topology = withImpl(resolveTopology('chain:3'), { command }, [2]);
    const events: SimEvent[] = [];
    const sim = await Simulation.start({ topology, pingIntervalMs: 0, onEvent: (e) => events.push(e) });
    stops.push(() => sim.stop());
    await sim.addClient({ id: 101, name: 'c101', info: 'on 1', server: 1 });
    await sim.addClient({ id: 103, name: 'c103', info: 'on 3', server: 3 });
    await sim.converged({ timeoutMs: 20_000 });
    expect([...sim.knownBy(1)].sort((a, b) => a - b)).toEqual([2, 3, 101, 103]);
    await sim.chat(101, 103, 'across the stranger');
    await sim.chat(103, 101, 'and back');
    await waitFor(() => events.filter((e) => e.type === 'chat-delivered').length === 2, 10_000, 'both chats delivered');
    await expect(sim.serverState(2)).rejects.toThrow(/black-box/);
    expect(events.some((e) => e.node === 2)).toBe(false);
  }, 60_000);

  it('a crash is a SIGKILL that the others see; a restart re-spawns it on the same port and the tree converges again', async () => {
    const topology = withImpl(resolveTopology('chain:3'), { command }, [2]);
    const sim = await Simulation.start({ topology, pingIntervalMs: 0 });
    stops.push(() => sim.stop());
    await sim.converged({ timeoutMs: 20_000 });
    const port = sim.port(2);
    await sim.crash(2);
    await sim.forgotten(2, { timeoutMs: 10_000 });
    await sim.restart(2);
    expect(sim.port(2)).toBe(port);
    await sim.converged({ timeoutMs: 20_000 });
    expect([...sim.knownBy(3)].sort((a, b) => a - b)).toEqual([1, 2]);
  }, 60_000);
});
