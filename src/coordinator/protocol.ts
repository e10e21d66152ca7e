// What the coordinator and the node-host workers say to each other, besides comlink calls.
import type { MessagePort } from 'node:worker_threads';
import type { NodeEvent } from '../net/events.ts';

/** One event from a worker, stamped where it happened (performance.timeOrigin + now(), ms). */
export type SimEvent = NodeEvent & {
  t: number;
  /** the server or client the event happened at */
  node: number;
};

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
}

export interface HostedClientSpec {
  id: number;
  name: string;
  info: string;
  serverPort: number;
}

export interface ByteTotals {
  bytesIn: number;
  bytesOut: number;
  pending: number;
}

export interface WorkerData {
  /** raw port for event batches (comlink proxies are too slow for event streams) */
  events: MessagePort;
  /** which event types to stream; empty = none */
  eventTypes?: string[] | 'all';
  label: string;
}
