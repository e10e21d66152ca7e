// What the coordinator and its worker threads say to each other: the comlink APIs the worker
// scripts in workers/ implement, the data each worker starts with, and the events it streams
// back. Both sides import this module; nothing under src/ imports from workers/.
import type { MessagePort } from 'node:worker_threads';
import type { DirectionSpec, ToxicInfo, ToxicSpec } from '../faults/toxic.ts';
import type { DownHow, DownMode, ProxyStats } from '../faults/proxy.ts';
import type { ToxicTypeInfo } from '../faults/registry.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import type { ClientState } from '../net/client-node.ts';
import type { TrafficCounters } from '../net/counters.ts';
import type { NodeEvent } from '../net/events.ts';
import type { CrcServerNode, ServerState } from '../net/server-node.ts';

/**
 * What a worker thread hosts: CRC servers (one or several), simulated clients, or the
 * network (every link proxy). The kind picks the script and names the worker in reports.
 */
export type WorkerKind = 'servers' | 'clients' | 'network';

/** The worker script (in workers/) that hosts each kind. */
export const WORKER_SCRIPT: Record<WorkerKind, string> = { servers: 'node-host', clients: 'node-host', network: 'proxy-host' };

/** One event from a worker, stamped where it happened (nowMs(), ms since the epoch). */
export type SimEvent = NodeEvent & {
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
  label: string;
}

/** What every worker script offers, so a handle can stop any worker without knowing its kind. */
export interface WorkerControl {
  /** Close every socket the worker holds and flush its events. */
  stopAll(): Promise<void>;
  flushEvents(): void;
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
  /** frame-sent / frame-received events for every frame on a server link */
  traceFrames?: boolean;
  /** Liveness (ms): ping a server link idle this long; 0 or absent: none. */
  pingIntervalMs?: number;
  /** Liveness (ms): a server link silent this long is dead. */
  pingTimeoutMs?: number;
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
};

/** workers/node-host.ts: servers or clients, each addressed by its key (its name). */
export interface NodeHostApi extends WorkerControl {
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
  heap(): { used: number; total: number };
  logs(): string[];
  /** For tests of crash reporting: throw from a timer, as a bug in a node would. */
  crashForTest(message: string): void;
}

/** workers/proxy-host.ts: every link proxy, each addressed by its name. */
export interface ProxyHostApi extends WorkerControl {
  /** Start a proxy in front of `target` on a free port; resolves with that port. */
  addProxy(name: string, target: { host: string; port: number }, seed?: number, options?: { listenPort?: number; maxQueueBytes?: number }): Promise<number>;
  removeProxy(name: string): Promise<void>;
  addToxic(name: string, spec: ToxicSpec): string;
  removeToxic(name: string, toxic: string): void;
  /** Change some of a live toxic's attributes; resolves with the toxic as it is now. */
  updateToxic(name: string, toxic: string, attributes: Record<string, unknown>): ToxicInfo;
  toxics(name: string): ToxicInfo[];
  down(name: string, direction?: DirectionSpec, how?: DownHow, mode?: DownMode): void;
  up(name: string, direction?: DirectionSpec, mode?: DownMode): void;
  hold(name: string, direction?: DirectionSpec): void;
  release(name: string, direction?: DirectionSpec): void;
  stats(name: string): ProxyStats;
  allStats(): Record<string, ProxyStats>;
  toxicTypes(): ToxicTypeInfo[];
  /** How late this thread's toxic timers ran (a check on injected-delay accuracy). */
  schedulerLateness(reset?: boolean): LatenessStats;
}
