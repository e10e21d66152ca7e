// Where servers and link proxies run, as the coordinator sees it: one interface per role.
// World and Links talk only to these; each placement (workers.ts, processes.ts, external.ts)
// implements them. Clients are not here: they always run in the coordinator's client workers.
import type { ProxyEvent } from '../faults/events.ts';
import type { FaultChange, FaultReply, LinkFaultState } from '../faults/fault-state.ts';
import type { ProxyStats } from '../faults/proxy.ts';
import type { ToxicInfo } from '../faults/toxic.ts';
import type { ServerState } from '../net/server-node.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import type { ByteTotals, HostedServerSpec, KnowledgeMode, ServerCounters, SimEvent } from '../threads/worker-api.ts';
import type { WorkerHandle } from '../threads/worker-handle.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { HostMemory } from './host-wire.ts';

/**
 * workers: threads of this process (default); processes: a crc-server process each; external:
 * started by someone else (Kubernetes); hosts: threads spread over several node processes (hosts.ts).
 */
export const PLACEMENTS = ['workers', 'processes', 'external', 'hosts'] as const;
export type PlacementKind = (typeof PLACEMENTS)[number];

export interface Address {
  host: string;
  port: number;
}

/** What every placement is told: where events go, what to do when a server dies unasked. */
export interface PlacementHooks {
  /** Which event types to stream ('all' by default; [] = none). */
  eventTypes?: string[] | 'all';
  onEvents?: (events: SimEvent[]) => void;
  /** How nodes report what they know (workers placement): one event per host (default) or a digest per node. */
  knowledge?: KnowledgeMode;
  /** A server (or its thread, or its process) died unasked; the message names it. */
  onCrash?: (error: Error) => void;
  callTimeoutMs?: number;
}

/** The servers of one network, wherever they run. Each is addressed by its name. */
export interface ServerHost {
  readonly kind: PlacementKind | 'foreign';
  /** Threads hosting servers (workers placement only; empty elsewhere). */
  readonly workers: readonly WorkerHandle[];
  /**
   * Start listening (no join yet); resolves with the address others dial. `ownWorker`: not
   * sharing a thread. `joins`: it will be told to join (false: a root; a foreign server whose
   * bootstrap is fixed at construction runs at once, else only at join()).
   */
  start(spec: HostedServerSpec, options: { ownWorker: boolean; joins?: boolean }): Promise<Address>;
  /** Dial the bootstrap; resolves with the time the registration left (the server's clock). */
  join(name: string, target: Address, deadlineMs?: number): Promise<number>;
  /** Take `name` down abruptly, as kill -9 would (with every server sharing its thread). */
  crash(name: string): Promise<void>;
  alive(name: string): boolean;
  /** The servers that go down with `name` (itself included). */
  colocated(name: string): string[];
  state(name: string): Promise<ServerState>;
  counters(name: string): Promise<ServerCounters>;
  /** Bytes in and out of every live server, for "is anything in flight?" checks. */
  totals(): Promise<ByteTotals>;
  states(): Promise<Record<string, ServerState>>;
  /**
   * How late the threads or processes running servers were around [from, to], beyond `workers`
   * (the coordinator asks those itself): a server process each (processes). Absent: none.
   */
  lateness?(from: number, to: number): Promise<ThreadLateness[]>;
  /** Placements whose servers run in other processes (hosts): each one's memory and descriptors. */
  memory?(): Promise<HostMemory[]>;
  /** The link proxies of this placement (made on first use). */
  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork;
  stop(): Promise<void>;
}

/** Which link a proxy stands for: `child` dials `parent` through it. */
export interface ProxyRole {
  child: string;
  parent: string;
  seed: number;
}

/** The link proxies, wherever they run. Each is addressed by its name. */
export interface LinkNetwork {
  /** A proxy in front of `target`; resolves with the address to dial instead. */
  addProxy(name: string, target: Address, role: ProxyRole): Promise<Address>;
  /**
   * Change a proxy's faults (add / remove / update a toxic, down / up, hold / release); resolves
   * with the proxy's snapshot after it, taken where the proxy runs: the caller keeps that, the
   * one copy of the link's fault state outside the proxy.
   */
  change(name: string, change: FaultChange): Promise<FaultReply>;
  toxics(name: string): Promise<ToxicInfo[]>;
  stats(name: string): Promise<ProxyStats>;
  /** How late the toxic timers of the thread hosting the proxy ran (placements that can tell). */
  timerLateness?(name: string, reset?: boolean): Promise<LatenessStats>;
  /** How late the threads running only proxies (network threads) were around [from, to]. */
  lateness?(from: number, to: number): Promise<ThreadLateness[]>;
  /**
   * After a crash: make again the proxies whose host died with it (placements that host proxies
   * with servers), each with the faults `faultsOf` says it had (the last snapshot the caller kept).
   */
  rehomeOrphans?(faultsOf: (name: string) => LinkFaultState | undefined): Promise<void>;
  stop(): Promise<void>;
}
