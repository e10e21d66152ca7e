// After a run: replay its actions into fault episodes, read its node events back, and compute
// the phases of every fault and the final verdict (consistency snapshot + traffic audit).
import { livenessOf } from '../coordinator/liveness-defaults.ts';
import type { Topology } from '../topology/schema.ts';
import { type ActionRecord, FaultReplay } from './fault-replay.ts';
import { Knowledge, type NodeFact } from './knowledge.ts';
import { type FaultPhases, type Liveness, type PhaseStats, measurePhases, phaseStats } from './phases.ts';
import type { Polled } from './probe.ts';
import { type FlowDeliveries, auditFlow } from './traffic-audit.ts';
import { type Verdict, verdictOf } from './verdict.ts';
import { verdictWithFindings } from './foreign-findings.ts';

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

export function analyseRun(r: RunFacts): { phases: RunPhases; verdict: Verdict } {
  const replay = new FaultReplay(r.topology, r.played);
  const knowledge = new Knowledge(r.facts);
  // The liveness the simulation gave its servers (the experiment's, the topology's or the default).
  const settings = livenessOf({ topology: r.topology });
  const liveness: Liveness | undefined = settings.intervalMs > 0 ? settings : undefined;
  const faults = measurePhases(replay, knowledge, { t0: r.t0, liveness });
  const traffic = r.flows.map((f) => auditFlow(f, { topology: r.topology, replay, knowledge, t0: r.t0 }));
  return {
    phases: { faults, byFault: phaseStats(faults), ...(liveness ? { liveness } : {}) },
    verdict: verdictWithFindings(verdictOf(r.final, r.finalFrom, traffic), r.topology),
  };
}
