// What a Simulation is started with: the World's placement, the Links' proxies, and the
// servers' and clients' behaviour (joins, reconnects, liveness, frame tracing), plus listeners.
import type { ProxyEvent } from '../faults/events.ts';
import type { Topology } from '../topology/schema.ts';
import type { LinksOptions } from './links.ts';
import type { SimEvent } from '../threads/worker-api.ts';
import type { WorldOptions } from './world.ts';

export interface SimulationOptions extends Omit<WorldOptions, 'onEvents' | 'onCrash' | 'eventTypes'>, Omit<LinksOptions, 'nameOf'> {
  topology: Topology;
  /** How long a server keeps retrying its bootstrap (ms). */
  joinDeadlineMs?: number;
  /** Servers re-dial a lost bootstrap link, with backoff (default on, so a link that comes back heals). */
  reconnect?: boolean;
  /** Servers report every frame on their server links as frame-sent / frame-received events (off by default: it costs); 'control': all but chats. */
  traceFrames?: boolean | 'control';
  /** Clients re-dial their server and register again with the same id when cut off (default on). */
  clientReconnect?: boolean;
  /** Liveness: ping a server link idle this long (ms); 0: none. Default: the topology's, else liveness-defaults.ts. */
  pingIntervalMs?: number;
  /** Liveness: a server link silent this long is dead (ms). Default: the topology's, else liveness-defaults.ts. */
  pingTimeoutMs?: number;
  /** Servers close a connection not registered within this (ms). Default: crc-server's 10 s, more beyond 500 servers (liveness-defaults.ts). */
  registrationTimeoutMs?: number;
  /** Servers cut a connection whose send queue does not drain within this (ms). Default as for registrationTimeoutMs. */
  sendqTimeoutMs?: number;
  /** Every event from every worker, in arrival order. */
  onEvent?: (e: SimEvent) => void;
  /** A worker died unasked; the message names its servers. */
  onCrash?: (message: string) => void;
  /** Start-up progress. */
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Every event from the link proxies. */
  onProxyEvent?: (e: ProxyEvent) => void;
}
