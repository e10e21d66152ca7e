// What the coordinator and its worker threads say to each other: the comlink APIs the worker
// scripts in workers/ implement, the data each worker starts with, and the events it streams
// back. Both sides import this module; nothing under src/ imports from workers/.
import type { MessagePort } from 'node:worker_threads';
import type { ImplSpec } from '../topology/impl-spec.ts';
import type { ProxyTable } from '../faults/proxy-table.ts';
import type { ClientState } from '../net/client-node.ts';
import type { TrafficCounters } from '../net/counters.ts';
import type { NodeEvent } from '../net/events.ts';
import type { CrcServerNode, ServerState } from '../net/server-node.ts';
import type { BoardSlot } from '../util/host-lateness-board.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';

/**
 * What a worker thread hosts: CRC servers (one or several), simulated clients, or the
 * network (every link proxy). The kind picks the script and names the worker in reports.
 */
export type WorkerKind = 'servers' | 'clients' | 'network';

/** The worker script (in workers/) that hosts each kind. */
export const WORKER_SCRIPT: Record<WorkerKind, string> = { servers: 'node-host', clients: 'node-host', network: 'proxy-host' };

/** A node's knowledge in two numbers (coordinator/knowledge-digest.ts: a count and a sum of its hosts' mixed ids). */
export interface KnowledgeEvent {
  type: 'knowledge';
  /** hosts the node knows */
  count: number;
  /** sum of mixId over them (exact in a double up to 2^21 hosts) */
  sum: number;
}

/** One event from a worker, stamped where it happened (nowMs(), ms since the epoch). */
export type SimEvent = (NodeEvent | KnowledgeEvent) & {
  t: number;
  /** the id of the server or client the event happened at */
  node: number;
};

/** Every worker starts with this (its workerData). */
export interface WorkerData {
  /** raw port for event batches (comlink proxies are too slow for event streams) */
  events: MessagePort;
  /** which event types to stream; empty = none */
  eventTypes?: string[] | 'all';
  /**
   * How nodes' knowledge reaches the coordinator: 'events' (one host-learned / host-forgotten
   * per record, the default) or 'digest' (a count and a sum per node, knowledge-digest.ts).
   */
  knowledge?: KnowledgeMode;
  label: string;
  /** This thread's slot of the host's lateness board (threads of servers and proxies; util/host-lateness-board.ts). */
  latenessBoard?: BoardSlot;
}

export type KnowledgeMode = 'events' | 'digest';

/** What every worker script offers, so a handle can stop any worker without knowing its kind. */
export interface WorkerControl {
  /** Close every socket the worker holds and flush its events. */
  stopAll(): Promise<void>;
  flushEvents(): void;
  /**
   * How late this thread's own timers ran (one probe per thread, util/lateness-probe.ts): the
   * worst in the windows overlapping [from, to] (ms, nowMs() clock), and the run's summary.
   */
  lateness(from: number, to: number): Omit<ThreadLateness, 'thread'>;
}

export interface HostedServerSpec {
  id: number;
  name: string;
  info: string;
  port?: number;
  recordJoinFrames?: boolean;
  reconnect?: boolean;
  /** bootstrap to dial when joining (for reconnects and restarts) */
  connectTo?: { host: string; port: number };
  maxQueueBytes?: number;
  /** connection timeouts (ms); absent: crc-server's defaults */
  registrationTimeoutMs?: number;
  sendqTimeoutMs?: number;
  /** frame-sent / frame-received events for every frame on a server link ('control': all but chats) */
  traceFrames?: boolean | 'control';
  /** Liveness (ms): ping a server link idle this long; 0 or absent: none. */
  pingIntervalMs?: number;
  /** Liveness (ms): a server link silent this long is dead. */
  pingTimeoutMs?: number;
  /** A foreign server (placement/foreign.ts); absent: ours. Never sent to a worker. */
  impl?: ImplSpec;
}

export interface HostedClientSpec {
  id: number;
  name: string;
  info: string;
  /** default 127.0.0.1 */
  serverHost?: string;
  serverPort: number;
  /** Re-dial the server and register again with the same id when the connection drops unasked. */
  reconnect?: boolean;
}

export interface ByteTotals {
  bytesIn: number;
  bytesOut: number;
  pending: number;
}

export type ServerCounters = ReturnType<TrafficCounters['totals']> & {
  byType: ReturnType<TrafficCounters['byType']>;
  protocolErrors: number;
  connections: ReturnType<CrcServerNode['connectionCounts']>;
  /** bytes queued on the server's sockets, not yet written */
  pending: number;
  /** back-pressure: times reads were paused (FlowControl.counts); absent from servers that do not report it */
  flow?: { readPauses: number; serverLinkPauses: number; budgetPauses: number };
};

/**
 * workers/node-host.ts: servers or clients, each addressed by its key (its name); and the link
 * proxies of the links its servers dial (placement 'dialler').
 */
export interface NodeHostApi extends WorkerControl, ProxyApi {
  /** Start listening (no join yet). Resolves with the port. */
  startServer(key: string, spec: HostedServerSpec): Promise<number>;
  /** Dial the bootstrap; resolves with the time the registration was handed to the socket. */
  joinServer(key: string, target: { host: string; port: number }, deadlineMs?: number): Promise<number>;
  stopServer(key: string): Promise<void>;
  /** Connect and register; resolves with the time the registration was queued. */
  startClient(key: string, spec: HostedClientSpec): Promise<number>;
  chat(key: string, to: number, text: string): void;
  /** Send a quit and close; resolves with the time the quit was handed to the socket. */
  quit(key: string, text: string): Promise<number>;
  /** Drop the connection without a quit; resolves with the time it was cut. */
  disconnect(key: string): Promise<number>;
  /** `rate` chats/s of `size` bytes for `durationMs`, generated in the worker (texts: traffic-text.ts). */
  traffic(key: string, to: number, rate: number, size: number, durationMs: number, tag?: string): Promise<{ sent: number }>;
  serverState(key: string): ServerState;
  clientState(key: string): ClientState;
  states(): { servers: Record<string, ServerState>; clients: Record<string, ClientState> };
  /** Bytes sent and received by every node here, for "is anything in flight?" checks. */
  totals(): ByteTotals;
  counters(key: string): ServerCounters;
  /** Cut the link from server `key` to adjacent host `peer` (both sides see it close). */
  cutLink(key: string, peer: number, how?: 'close' | 'reset'): boolean;
  /** V8 heap of the worker (live bytes: collected first when the process runs with --expose-gc). */
  heap(): { used: number; total: number };
  logs(): string[];
  /** For tests of crash reporting: throw from a timer, as a bug in a node would. */
  crashForTest(message: string): void;
  /** For tests of host lateness: keep this thread busy for `ms` (from a timer, after the call has returned). */
  stallForTest(ms: number): void;
}

/**
 * Link proxies, each addressed by its name (src/faults/proxy-table.ts). addProxy starts one in
 * front of `target` on a free port (or `options.listenPort`) and resolves with that port;
 * a toxic crosses already validated (a ToxicInfo), replaceToxic resolves with it as it is now; schedulerLateness says how late this
 * thread's toxic timers ran (a check on injected-delay accuracy).
 */
export type ProxyApi = ProxyTable;

/** workers/proxy-host.ts: a network thread of link proxies. */
export interface ProxyHostApi extends WorkerControl, ProxyApi {}
