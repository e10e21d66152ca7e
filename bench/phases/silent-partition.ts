// A silent partition of one middle-earth link, R times: its bytes dropped both ways and its
// connections left open, so only the servers' liveness can find it. Each repeat silences the
// link, waits until the network is consistent with it gone, brings it back and waits until it
// is whole again; the phases (detection, propagation, recovery) come from the run's node
// events, as an experiment's do (src/experiment/phases.ts), with their bounds.
import { Simulation } from '../../src/coordinator/simulation.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { type ActionRecord, FaultReplay } from '../../src/experiment/fault-replay.ts';
import { FACT_TYPES, type NodeFact } from '../../src/experiment/knowledge.ts';
import { type Liveness, type Spread, measurePhases, phaseStats } from '../../src/experiment/phases.ts';
import { pollConsistent } from '../../src/experiment/probe.ts';
import type { Action } from '../../src/experiment/schema.ts';
import type { Topology } from '../../src/topology/schema.ts';
import { nowMs } from '../../src/util/clock.ts';
import type { Progress } from './common.ts';

export interface SilentPartitionRow {
  topology: string;
  /** the link silenced, "child-parent" */
  link: string;
  /** injected one-way latency on every server link (ms) */
  linkLatencyMs: number;
  serversPerWorker: number;
  repeats: number;
  liveness: Liveness;
  detection: Spread | null;
  /** the liveness timeout plus one interval */
  detectionBoundMs: number;
  propagation: Spread | null;
  /** the injected latency on the longest path from a detecting server */
  propagationBoundMs: number | null;
  recovery: Spread | null;
  recoveryFloorMs: number | null;
  /** repeats with a phase that never completed */
  incomplete: number;
}

export interface SilentPartitionCase {
  topology: Topology;
  /** the link to silence: [child, parent] */
  link: [number, number];
  linkLatencyMs: number;
  repeats: number;
  liveness: Liveness;
}

const PHASE_TIMEOUT_MS = 10_000;

export async function measureSilentPartition(c: SilentPartitionCase, progress: Progress, phase: string): Promise<SilentPartitionRow> {
  const facts: NodeFact[] = [];
  const sim = await Simulation.start({
    topology: c.topology, proxyLinks: 'all', pingIntervalMs: c.liveness.intervalMs, pingTimeoutMs: c.liveness.timeoutMs,
    onEvent: (e) => {
      if (FACT_TYPES.has(e.type)) facts.push(e as NodeFact);
    },
  });
  const played: ActionRecord[] = [];
  const play = async (action: Record<string, unknown>, run: () => Promise<unknown>) => {
    const t = nowMs();
    await run();
    played.push({ index: played.length, t, action: action as Action });
  };
  const [child, parent] = c.link;
  const link = `${child}-${parent}`;
  let stoppedAt = Infinity;
  try {
    await sim.converged({ timeoutMs: 20_000 });
    if (c.linkLatencyMs > 0) {
      for (const l of sim.linkList().filter((x) => x.kind === 'server')) {
        const toxic = parseToxicSpec({ type: 'latency', name: 'bench_latency', direction: 'both', ms: c.linkLatencyMs });
        await play({ do: 'toxic', link: `${l.child}-${l.parent}`, toxic }, () => sim.link(l.child, l.parent).add(toxic));
      }
    }
    const settled = async (what: string) => {
      const r = await pollConsistent(sim, nowMs() + PHASE_TIMEOUT_MS);
      if (!r.result.consistent) throw new Error(`silent partition of ${link}: not consistent ${what} after ${PHASE_TIMEOUT_MS} ms: ${r.result.diff.slice(0, 3).map((d) => `${d.name}: ${d.problems.join('; ')}`).join(' | ')}`);
    };
    await settled('before the first repeat');
    for (let i = 0; i < c.repeats; i++) {
      await play({ do: 'down', link, direction: 'both', how: 'close', mode: 'silent' }, () => sim.link(child, parent).down('both', 'close', 'silent'));
      await settled('with the link silent');
      await play({ do: 'up', link, direction: 'both' }, () => sim.link(child, parent).up('both'));
      await settled('with the link back');
      progress.tick(phase);
    }
  } finally {
    // Stopping closes every link: what the nodes forget then is not part of the measurement.
    stoppedAt = nowMs();
    await sim.stop();
  }
  const replay = new FaultReplay(c.topology, played);
  const rows = measurePhases(replay, facts.filter((e) => e.t < stoppedAt), { t0: played[0]?.t ?? 0, liveness: c.liveness })
    .filter((r) => r.kind === 'silent');
  const [s] = phaseStats(rows);
  return {
    topology: c.topology.name, link, linkLatencyMs: c.linkLatencyMs, serversPerWorker: sim.serversPerWorker, repeats: c.repeats, liveness: c.liveness,
    detection: s?.detection ?? null,
    detectionBoundMs: c.liveness.timeoutMs + c.liveness.intervalMs,
    propagation: s?.propagation ?? null,
    propagationBoundMs: s?.propagationBoundMs ?? null,
    recovery: s?.recovery ?? null,
    recoveryFloorMs: s?.recoveryFloorMs ?? null,
    incomplete: s ? s.incomplete : c.repeats,
  };
}
