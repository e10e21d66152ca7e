// After a run: replay its actions into fault episodes, read its node events back, and compute
// the phases of every fault and the final verdict (consistency snapshot + traffic audit).
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS } from '../coordinator/simulation.ts';
import type { Topology } from '../topology/schema.ts';
import { type ActionRecord, FaultReplay } from './fault-replay.ts';
import { Knowledge, type NodeFact } from './knowledge.ts';
import { type FaultPhases, type Liveness, type PhaseStats, measurePhases, phaseStats } from './phases.ts';
import type { Polled } from './probe.ts';
import { type FlowDeliveries, auditFlow } from './traffic-audit.ts';
import { type Verdict, verdictOf } from './verdict.ts';

export interface RunFacts {
  topology: Topology;
  /** the experiment's start (ms since the epoch) */
  t0: number;
  played: readonly ActionRecord[];
  facts: readonly NodeFact[];
  flows: readonly FlowDeliveries[];
  /** the final consistency snapshot, and when the final check began */
  final: Polled;
  finalFrom: number;
}

export interface RunPhases {
  faults: FaultPhases[];
  byFault: PhaseStats[];
  liveness?: Liveness;
}

/** The servers' liveness in a simulation of `t` (its own, else the simulator's defaults); undefined: none. */
export function livenessOf(t: Topology): Liveness | undefined {
  if (t.liveness === false) return undefined;
  return { intervalMs: t.liveness?.interval ?? DEFAULT_PING_INTERVAL_MS, timeoutMs: t.liveness?.timeout ?? DEFAULT_PING_TIMEOUT_MS };
}

export function analyseRun(r: RunFacts): { phases: RunPhases; verdict: Verdict } {
  const replay = new FaultReplay(r.topology, r.played);
  const knowledge = new Knowledge(r.facts);
  const liveness = livenessOf(r.topology);
  const faults = measurePhases(replay, knowledge, { t0: r.t0, liveness });
  const traffic = r.flows.map((f) => auditFlow(f, { topology: r.topology, replay, knowledge, t0: r.t0 }));
  return {
    phases: { faults, byFault: phaseStats(faults), ...(liveness ? { liveness } : {}) },
    verdict: verdictOf(r.final, r.finalFrom, traffic),
  };
}
