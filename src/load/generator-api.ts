// What the coordinator and a load generator thread say to each other (workers/load-gen.ts).
// Control in, reports out, over the worker's own port: a handful of messages a second.
import type { RecordableHistogram } from 'node:perf_hooks';
import type { FlowTotals } from './flow-stats.ts';
import type { LoadClientSpec } from './client-set.ts';
import type { Step } from './schedule.ts';
import type { StallReport } from './stall-probe.ts';

export interface GeneratorData {
  label: string;
  clients: LoadClientSpec[];
  /** this generator's flows: client ids at both ends, the flow's index in the whole run */
  flows: Array<{ index: number; from: number; to: number }>;
  /** chat text bytes (at least the stamp) */
  size: number;
  /** connect / route timeout, ms */
  timeoutMs: number;
}

export type GeneratorCommand =
  /** build the run's state (answered by 'armed'); no clock runs yet */
  | { type: 'prepare'; run: number; steps: Step[]; shares: number[]; phases: number[]; drainMs: number }
  /** start the prepared run: its first chats are due at wall time t0 */
  | { type: 'go'; run: number; t0: number }
  /** end the schedule now (Ctrl-C); the run drains and reports as usual */
  | { type: 'cut' }
  | { type: 'close' };

/** One second of one generator (by wall time since the run's start); deliveries are timed from their intended send. */
export interface SecondReport extends FlowTotals {
  second: number;
  latency: RecordableHistogram;
  closedLoop: RecordableHistogram;
  /** how late the generator sent, µs (0 if nothing was due) */
  lateMaxUs: number;
  /** at the end of the second, how long the oldest chat due but not yet sent has waited, ms (0: none) */
  behindMs: number;
  /** CPU this thread used in the second, ns (NaN where not measurable) */
  cpuNs: number;
  /** the second's worst late send and what the thread did in the gap before it (null: nothing sent) */
  stall: StallReport | null;
  /** GC pauses of this thread in the second: total ms and count */
  gcMs: number;
  gcCount: number;
  /** event-loop utilization of this thread in the second, 0..1 */
  elu: number;
}

export interface FlowReport extends FlowTotals {
  index: number;
  lost: number;
  latency: RecordableHistogram;
  closedLoop: RecordableHistogram;
  /** from each chat's write (the network's share: no generator lateness), µs */
  fromWrite?: RecordableHistogram;
}

export interface RunReport {
  run: number;
  flows: FlowReport[];
  /** per step of the run, by intended time: deliveries' latency, and counts */
  steps: Array<{ offered: number; delivered: number; latency: RecordableHistogram }>;
  lateness: RecordableHistogram;
  /**
   * How the run began in this thread: when its 'go' arrived (ms after t0; negative: before),
   * and the set-up done before t0 was chosen (wall ms, and of it running / waiting for a core).
   */
  start: { commandAtMs: number; setupMs: number; setupRunningMs: number; setupRunQueueMs: number };
  /** true if Ctrl-C cut the schedule */
  cut: boolean;
  /** where the cut fell, ms since the run's start */
  cutAtMs?: number;
}

export type GeneratorMessage =
  | { type: 'ready' }
  | { type: 'armed'; run: number }
  | { type: 'error'; message: string }
  | { type: 'second'; run: number; report: SecondReport }
  | { type: 'done'; report: RunReport }
  | { type: 'closed' };
