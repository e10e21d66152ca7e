// Shared pieces of the liveness tests (not a test file itself): a simulation that records
// every node and proxy event, and readers for the events liveness adds.
import { Simulation, type SimulationOptions } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import type { CrcClientNode } from '../../src/net/client-node.ts';
import type { Cleanup } from '../net/helpers.ts';

export type LinkDead = Extract<SimEvent, { type: 'link-dead' }>;
export type ConnClosed = Extract<SimEvent, { type: 'conn-closed' }>;

export const linkDeads = (events: SimEvent[]): LinkDead[] => events.filter((e): e is LinkDead => e.type === 'link-dead');
export const closedWith = (events: SimEvent[], reason: string): ConnClosed[] =>
  events.filter((e): e is ConnClosed => e.type === 'conn-closed' && e.reason === reason);
export const ids = (hosts: Array<{ id: number }>) => hosts.map((h) => h.id).sort((a, b) => a - b);

/** Simulations started here, stopped by stopAll() (in afterEach). */
const running: Simulation[] = [];

/** Start a simulation recording every node and proxy event; resolves once it has converged. */
export async function start(options: SimulationOptions): Promise<{ sim: Simulation; events: SimEvent[]; proxyEvents: ProxyEvent[] }> {
  const events: SimEvent[] = [];
  const proxyEvents: ProxyEvent[] = [];
  const sim = await Simulation.start({ ...options, onEvent: (e) => events.push(e), onProxyEvent: (e) => proxyEvents.push(e) });
  running.push(sim);
  await sim.converged({ timeoutMs: 15_000 });
  return { sim, events, proxyEvents };
}

export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.stop()));
}

/** A client made through `cleanup` that also stops re-dialling when the test ends. */
export async function clientOf(cleanup: Cleanup, opts: Parameters<Cleanup['client']>[0]): Promise<CrcClientNode> {
  const c = await cleanup.client(opts);
  cleanup.add(() => c.disconnect());
  return c;
}
