// Convergence after a quit: from the moment the quit leaves the client until every server
// and every other client has forgotten it (both ends stamped by the worker threads where
// they happen). Repeated R times per case; between repeats the client rejoins and the
// network re-converges. Also registration convergence: a client or a server joins, until
// every node that should know it does.
import { Simulation } from '../../src/coordinator/simulation.ts';
import { eventPostDelayMs } from '../../src/coordinator/event-batcher.ts';
import { serverDistances } from '../../src/topology/generate.ts';
import type { Topology } from '../../src/topology/schema.ts';
import { type Percentiles, type Progress, samplePercentiles } from './common.ts';

export interface ConvergenceRow {
  topology: string;
  diameter: number;
  /** injected one-way latency on every server link (ms); 0 = direct links */
  linkLatencyMs: number;
  /** 'proxied' when links pass through the fault proxies, else 'direct' */
  links: 'direct' | 'proxied';
  /** servers per worker thread (1 = the default placement; 11 = all of middle-earth in one thread) */
  serversPerWorker: number;
  quitter: number;
  repeats: number;
  ms: Percentiles;
  /** the largest sum of injected latencies from the quitter's server to any server (ms) */
  lowerBoundMs: number;
  /** median / lower bound (only with injected latency) */
  ratioToBound: number | null;
  /** the goal's allowance: bound * 1.05 + 2 ms */
  allowanceMs: number | null;
}

export interface RegistrationRow {
  topology: string;
  serversPerWorker: number;
  kind: 'client' | 'server';
  repeats: number;
  ms: Percentiles;
}

/** Server hops from `from` to the farthest server. */
export function eccentricity(t: Topology, from: number): number {
  return Math.max(...serverDistances(t, from).values());
}

export interface QuitCase {
  sim: Simulation;
  topology: Topology;
  quitter: number;
  repeats: number;
  linkLatencyMs: number;
  links: 'direct' | 'proxied';
  diameter: number;
  serversPerWorker: number;
}

/**
 * The rejoin's last event batches (posted eventPostDelayMs() after their first event, some after the
 * Ledger has converged) go before the next measured round, so each round starts on a quiet network.
 */
const settled = () => new Promise((r) => setTimeout(r, 2 * eventPostDelayMs()));

export async function measureQuit(c: QuitCase, progress: Progress, phase: string): Promise<ConvergenceRow> {
  const spec = c.topology.clients.find((x) => x.id === c.quitter)!;
  const samples: number[] = [];
  for (let i = 0; i < c.repeats; i++) {
    const sentAt = await c.sim.quit(c.quitter, 'bench');
    const { at } = await c.sim.forgotten(c.quitter, { timeoutMs: 10_000 });
    samples.push(at - sentAt);
    // Rejoin and let everyone learn it again before the next repeat.
    await c.sim.addClient(spec);
    await c.sim.known(c.quitter, { timeoutMs: 10_000 });
    await c.sim.converged({ timeoutMs: 10_000 });
    await settled();
    progress.tick(phase);
  }
  const bound = c.linkLatencyMs * eccentricity(c.topology, spec.server);
  const ms = samplePercentiles(samples);
  return {
    topology: c.topology.name, diameter: c.diameter, linkLatencyMs: c.linkLatencyMs, links: c.links, quitter: c.quitter, serversPerWorker: c.serversPerWorker,
    repeats: c.repeats, ms, lowerBoundMs: bound,
    ratioToBound: bound > 0 ? ms.p50 / bound : null,
    allowanceMs: bound > 0 ? bound * 1.05 + 2 : null,
  };
}

/** A new client joins, repeatedly (it quits between repeats): registration to known-by-all. */
export async function measureClientJoin(sim: Simulation, topology: Topology, server: number, repeats: number, progress: Progress, phase: string): Promise<RegistrationRow> {
  const samples: number[] = [];
  const id = 900_001;
  for (let i = 0; i < repeats; i++) {
    const sentAt = await sim.addClient({ id, name: 'newcomer', info: 'bench', server });
    const { at } = await sim.known(id, { timeoutMs: 10_000 });
    samples.push(at - sentAt);
    await sim.quit(id);
    await sim.forgotten(id, { timeoutMs: 10_000 });
    await settled();
    progress.tick(phase);
  }
  return { topology: topology.name, serversPerWorker: sim.serversPerWorker, kind: 'client', repeats, ms: samplePercentiles(samples) };
}

/** New servers join a leaf, one after another: from its join until every node knows it. */
export async function measureServerJoin(sim: Simulation, topology: Topology, joinTo: number, repeats: number, progress: Progress, phase: string): Promise<RegistrationRow> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const id = 800_001 + i;
    const joinedAt = await sim.addServer({ id, name: `joiner${i + 1}`, info: 'bench', join: joinTo });
    const { at } = await sim.known(id, { timeoutMs: 10_000 });
    samples.push(at - joinedAt);
    await sim.converged({ timeoutMs: 10_000 });
    await settled();
    progress.tick(phase);
  }
  return { topology: topology.name, serversPerWorker: sim.serversPerWorker, kind: 'server', repeats, ms: samplePercentiles(samples) };
}
