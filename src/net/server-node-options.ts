// What a CrcServerNode is told (identity, where to join, limits, logging) and what its state()
// reports.
import type { Limits } from '../protocol/index.ts';
import type { NodeEvent } from './events.ts';
import type { ServerLimitOptions } from './server-limits.ts';

/** Connection limits (maxConnections, timeouts, send queue bounds: see server-limits.ts) ride along. */
export interface ServerNodeOptions extends ServerLimitOptions {
  id: number;
  name: string;
  info: string;
  /** 0 (the default) = any free port; read it back from `port` after start(). */
  port?: number;
  host?: string;
  /** The bootstrap server to join, if any. */
  connectTo?: { host: string; port: number };
  /** How long to keep retrying the bootstrap server before giving up (ms). */
  joinDeadlineMs?: number;
  /** Re-dial the bootstrap server (with backoff) if that link is lost. */
  reconnect?: boolean;
  limits?: Partial<Limits>;
  /** Hosts this server may know; registrations past it are refused (default 100,000). */
  maxHosts?: number;
  /** Status log entries kept: the newest (default 1,000). */
  statusLogSize?: number;
  /** The course reference's static tree: lost links and vanished clients are not propagated. */
  staticTree?: boolean;
  /** Ping a server link idle this long (ms); 0 or absent: no liveness, as the course's servers. */
  pingIntervalMs?: number;
  /** A server link silent this long is dead: a netsplit with the reason 'ping timeout' (ms; default 4 intervals). */
  pingTimeoutMs?: number;
  /**
   * The worst lateness of this host's other threads since `fromMs` (nowMs() clock): a worker's
   * servers read the process's board (util/host-lateness-board.ts), so liveness does not take a
   * peer whose thread, or whose link's proxy, ran late for dead. Absent: only this thread's own.
   */
  hostLateness?: (fromMs: number) => number;
  /**
   * A frame-sent / frame-received event per frame to or from an adjacent server (with onEvent
   * only; off by default). 'control': every frame but chats, which keep their fast path.
   */
  traceFrames?: boolean | 'control';
  /**
   * Keep the hex of the first frame each inbound connection sends (a joining host's
   * registration): what the course's connectivity scenarios check.
   */
  recordJoinFrames?: boolean;
  /** Human-readable log lines (connections, rejected frames, errors). */
  log?: (line: string) => void;
  /** Every protocol and connection event, stamped with a time comparable across threads. */
  onEvent?: (event: NodeEvent, t: number) => void;
}

export interface ServerState {
  id: number;
  name: string;
  info: string;
  port: number;
  hosts: Array<{ id: number; kind: 'server' | 'client'; name: string; info: string; firstLinkId: number }>;
  adjacentServerIds: number[];
  adjacentUserIds: number[];
  statusLog: string[];
  /** Only with recordJoinFrames. */
  joinFrames?: string[];
}
