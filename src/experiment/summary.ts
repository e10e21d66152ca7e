// What an experiment run leaves behind: summary.json's shape and summary.md, the table a
// person reads, and the runner's own records in events.jsonl beside the nodes' events.
import type { SimEvent } from '../threads/worker-api.ts';
import type { ProxyEvent } from '../faults/events.ts';
import type { machineInfo } from '../util/machine.ts';
import type { RunPhases } from './run-analysis.ts';
import { findingsSection, observedSection, phasesSection, verdictSection } from './summary-sections.ts';
import type { Verdict } from './verdict.ts';
import type { Outcome } from './host-lateness.ts';
import type { LatenessSummary } from '../util/lateness-probe.ts';
import type { Action } from './schema.ts';
import type { HostObservation } from './foreign-findings.ts';

export interface CheckResult {
  index: number;
  check: string;
  /** ms after the experiment's start when the clock for this check started */
  startMs: number;
  withinMs: number;
  /** how long it took, ms (null: it never happened within the limit) */
  tookMs: number | null;
  /** outcome === 'PASS' */
  passed: boolean;
  /** INCONCLUSIVE: it missed its bound by no more than the host's own lateness explains (host-lateness.ts) */
  outcome: Outcome;
  /** the host's worst timer lateness around the check, and the miss it excuses (ms) */
  hostLateMs?: number;
  allowanceMs?: number;
  /** the thread whose lateness that was (a worker's label and hosts, `coordinator`, or a server process), on a miss */
  lateThread?: string;
  detail?: string;
  /** problems put down to foreign servers (foreign-findings.ts): not counted against `passed` */
  findings?: string[];
}

export interface FlowResult {
  from: number;
  to: number;
  rate: number;
  size: number;
  sent: number;
  delivered: number;
  /** sent but never delivered (e.g. lost to a cut link or a netsplit) */
  lost: number;
  latencyMs: { p50: number; p99: number; max: number } | null;
}

export interface ExperimentSummary {
  name: string;
  description?: string;
  seed: number;
  file: string;
  command: string;
  started: string;
  folder: string;
  machine: ReturnType<typeof machineInfo>;
  topology: { name: string; servers: number; clients: number; serversPerWorker: number; placement?: string; proxiedLinks: number; directLinks: number };
  initialConvergenceMs: number;
  durationMs: number;
  /** tookMs: how long the action took to play (a restart: until the server listens again; its checks' clocks start then) */
  actions: Array<{ index: number; at: number; did: string; lateMs: number; tookMs?: number; error?: string }>;
  checks: CheckResult[];
  traffic: FlowResult[];
  /** detection, propagation and recovery of every fault */
  phases: RunPhases;
  /** consistency and traffic at the end */
  verdict: Verdict;
  /** FAIL: a check failed, an action failed, or the verdict is FAIL; INCONCLUSIVE: else some check missed only by the host's lateness */
  outcome: Outcome;
  /** outcome === 'PASS' */
  passed: boolean;
  /** the coordinator's timer lateness over the run, each thread's (run-lateness.ts), and the wake-ups a change needs on the longest path (real time only) */
  hostLateness?: LatenessSummary & { wakeups: number; threads?: Array<{ thread: string } & LatenessSummary> };
  /** placement sim: every time in the run is virtual (ms); how long it took the machine */
  virtualTime?: { virtualMs: number; wallMs: number; cpuMs: number };
  /** the one command that replays this experiment (its seed is in the file) */
  replay: string;
  /** every server, what runs it and how it is observed (foreign-findings.ts) */
  hosts?: HostObservation[];
  /** the pictures beside summary.json (file names), once drawn */
  pictures?: Pictures;
}

export interface Pictures {
  lamport: string;
  timeline: string;
}

/** What the runner itself writes to events.jsonl, beside the nodes' and proxies' events. */
export type RunRecord =
  | { type: 'experiment-start'; t: number; name: string; seed: number }
  | ({ type: 'action'; t: number; spec: Action } & ExperimentSummary['actions'][number])
  | ({ type: 'check'; t: number } & CheckResult)
  /** the network is being stopped: what follows is the shutdown */
  | { type: 'experiment-stopping'; t: number }
  | { type: 'experiment-end'; t: number };

/** One line of events.jsonl: `rel` is ms since the experiment's start (null before it). */
export type EventRecord = (SimEvent | ProxyEvent | RunRecord) & { rel: number | null };

/** How to run it again: the seed is in the file, so the file is all it takes. */
export function replayCommand(file: string): string {
  return `npm run experiment -- ${file}`;
}

export function summaryMarkdown(s: ExperimentSummary): string {
  const L: string[] = [];
  L.push(`# Experiment ${s.name}: ${s.outcome === 'PASS' ? 'PASSED' : s.outcome === 'FAIL' ? 'FAILED' : 'INCONCLUSIVE (host late)'}`, '');
  if (s.description) L.push(s.description, '');
  L.push(`Command: \`${s.command}\` — file \`${s.file}\`, seed ${s.seed}, started ${s.started}`, '');
  L.push(`Replay: \`${s.replay}\` (seed ${s.seed}, from the file)`, '');
  L.push(`Machine: ${s.machine.cpu}, ${s.machine.cores} cores, Node ${s.machine.node}, commit ${s.machine.commit}`, '');
  L.push(`Topology ${s.topology.name}: ${s.topology.servers} servers (${s.topology.placement && s.topology.placement !== 'workers' ? `placement ${s.topology.placement}` : `${s.topology.serversPerWorker} per worker`}), ${s.topology.clients} clients; ${s.topology.proxiedLinks} links through fault proxies, ${s.topology.directLinks} direct. Initial convergence ${s.initialConvergenceMs.toFixed(0)} ms; ran ${(s.durationMs / 1000).toFixed(1)} s.`, '');
  if (s.virtualTime) {
    const v = s.virtualTime;
    L.push(`Virtual time: placement sim, every server and client in one thread on a virtual clock; every time in this report and in events.jsonl is virtual ms. The run took ${(v.virtualMs / 1000).toFixed(1)} s of virtual time in ${(v.wallMs / 1000).toFixed(2)} s of wall time (${(v.virtualMs / Math.max(1, v.wallMs)).toFixed(1)}x real time; ${(v.cpuMs / 1000).toFixed(2)} s of CPU). Host lateness does not apply: nothing runs late, so every bound is judged exactly (PASS or FAIL, never INCONCLUSIVE).`, '');
  }
  if (s.hostLateness) {
    const h = s.hostLateness;
    L.push(`Host lateness (the coordinator's ${h.periodMs} ms timer, ${h.samples} samples): p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms, max ${h.maxMs} ms. A timed check that misses its bound by no more than the worst lateness of the network's threads around it x ${h.wakeups} wake-ups (the tree's longest path), plus the coordinator's own once, is INCONCLUSIVE, not FAIL (docs/host-lateness.md); the verdict and the traffic audit are never excused.`, '');
    const worst = [...(h.threads ?? [])].sort((a, b) => b.maxMs - a.maxMs).slice(0, 5);
    if (worst.length) L.push(`Worker threads and server processes (${h.threads!.length}, the latest worst first): ${worst.map((t) => `${t.thread} p99 ${t.p99Ms} ms, max ${t.maxMs} ms`).join('; ')}.`, '');
  }
  L.push(...observedSection(s.hosts ?? []));
  L.push('## Timeline', '', '| at (s) | action | late (ms) | took (ms) | error |', '|---:|---|---:|---:|---|');
  for (const a of s.actions) L.push(`| ${(a.at / 1000).toFixed(3)} | ${a.did.replace(/\|/g, '\\|')} | ${a.lateMs.toFixed(1)} | ${a.tookMs?.toFixed(1) ?? ''} | ${a.error ?? ''} |`);
  L.push('', '## Checks', '', '| check | from (s) | limit (ms) | took (ms) | result |', '|---|---:|---:|---:|---|');
  for (const c of s.checks) L.push(`| ${c.check} | ${(c.startMs / 1000).toFixed(3)} | ${c.withinMs} | ${c.tookMs === null ? 'never' : c.tookMs.toFixed(1)} | ${c.outcome === 'PASS' ? `pass${c.findings?.length ? ` (${c.findings.length} finding${c.findings.length > 1 ? 's' : ''} about foreign servers, below)` : ''}` : `**${c.outcome === 'FAIL' ? 'fail' : 'inconclusive'}**${c.detail ? `: ${c.detail}` : ''}`} |`);
  if (s.traffic.length) {
    L.push('', '## Traffic', '', '| from | to | rate (/s) | size (B) | sent | delivered | lost | latency p50 (ms) | p99 (ms) | max (ms) |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const f of s.traffic) {
      L.push(`| ${f.from} | ${f.to} | ${f.rate} | ${f.size} | ${f.sent} | ${f.delivered} | ${f.lost} | ${f.latencyMs?.p50.toFixed(2) ?? '–'} | ${f.latencyMs?.p99.toFixed(2) ?? '–'} | ${f.latencyMs?.max.toFixed(2) ?? '–'} |`);
    }
    L.push('', 'Lost = sent but never delivered: chats in flight toward a host that was cut off or quit are dropped by design (unknown destination).');
  }
  L.push('', ...phasesSection(s.phases.faults, s.phases.byFault, (s.hosts ?? []).some((h) => h.observed !== 'ours')), ...verdictSection(s.verdict), ...findingsSection(s.checks, s.verdict));
  if (s.pictures) {
    L.push('## Pictures', '', `Lamport diagram (every server-to-server frame, fault windows shaded, a zoomed panel per action): [${s.pictures.lamport}](${s.pictures.lamport})`, '');
    L.push(`Known hosts per server over time, faults and checks marked: [${s.pictures.timeline}](${s.pictures.timeline})`, '', `![timeline](${s.pictures.timeline})`, '');
  }
  L.push('Every event (nodes and proxies, with worker timestamps) is in `events.jsonl` beside this file; `npm run report -- <this folder>` draws the pictures again.', '');
  return L.join('\n');
}
