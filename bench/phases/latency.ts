// Inject the same one-way latency on every server link (both directions), through the proxies.
import type { Simulation } from '../../src/coordinator/simulation.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';

export async function applyLinkLatency(sim: Simulation, ms: number): Promise<void> {
  for (const l of sim.linkList().filter((x) => x.kind === 'server')) {
    await sim.link(l.child, l.parent).add(parseToxicSpec({ type: 'latency', name: 'bench_latency', direction: 'both', ms }));
  }
}
