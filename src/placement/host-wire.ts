// What the coordinator and a node process of the hosts placement say over their one IPC
// channel (hosts.ts drives, host-main.ts serves): a call is {id, op, args}, its answer
// {reply: id, value | error}; the process also pushes its servers' events, its proxies'
// events, and the servers lost when one of its threads died unasked.
import type { ProxyEvent } from '../faults/events.ts';
import type { FaultChange, FaultReply, LinkFaultState } from '../faults/fault-state.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import type { ProxyStats } from '../faults/proxy.ts';
import type { ToxicInfo } from '../faults/toxic.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ByteTotals, HostedServerSpec, KnowledgeMode, ServerCounters, SimEvent } from '../threads/worker-api.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { Address, ProxyRole } from './types.ts';
import type { ProxyPlacement } from './worker-links.ts';

/** What a node process is started with (its argv[2], as JSON). */
export interface HostConfig {
  label: string;
  serversPerWorker: number;
  proxyPlacement: ProxyPlacement;
  eventTypes: string[] | 'all';
  knowledge?: KnowledgeMode;
  callTimeoutMs?: number;
}

/** One process's memory and descriptors, as it measures them itself. */
export interface HostMemory {
  label: string;
  pid: number;
  rss: number;
  /** peak resident set of the process (getrusage maxrss) */
  peakRss: number;
  /** V8 heap in use per live server thread */
  heapUsed: number[];
  /** open file descriptors now (/proc/self/fd) */
  fds: number;
  threads: number;
  /** CPU time of the process so far, all threads (user + system, ms) */
  cpuMs: number;
}

/** The calls a node process serves. */
export interface HostApi {
  /** `ownWorker`: a new thread; else the last thread of this process if it has room. */
  start(spec: HostedServerSpec, ownWorker: boolean): { port: number; thread: string };
  join(name: string, target: Address, deadlineMs?: number): number;
  /** Ends `name`'s thread: the servers that went down with it. */
  crash(name: string): string[];
  state(name: string): ServerState;
  counters(name: string): ServerCounters;
  totals(): ByteTotals;
  states(): Record<string, ServerState>;
  /** Its server threads' lateness. */
  lateness(from: number, to: number): ThreadLateness[];
  memory(): HostMemory;
  addProxy(name: string, target: Address, role: ProxyRole): Address;
  change(name: string, change: FaultChange): FaultReply;
  toxics(name: string): ToxicInfo[];
  stats(name: string): ProxyStats;
  timerLateness(name: string, reset: boolean): LatenessStats;
  /** Its network threads' lateness. */
  linkLateness(from: number, to: number): ThreadLateness[];
  /** After a crash: re-make its proxies whose thread died, with these faults. */
  rehome(faults: Record<string, LinkFaultState | undefined>): void;
  stop(): void;
}

export type HostOp = keyof HostApi;

export interface HostCall<K extends HostOp = HostOp> {
  id: number;
  op: K;
  args: Parameters<HostApi[K]>;
}

export type HostMessage =
  | { reply: number; value: unknown }
  | { reply: number; error: { name: string; message: string } }
  | { events: SimEvent[] }
  | { proxyEvents: ProxyEvent[] }
  /** threads died unasked: the servers they took down, and why */
  | { crashed: string[]; message: string }
  | { ready: true };
