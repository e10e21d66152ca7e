// The connection limits of a server node: how many connections, how many of them not yet
// registered, how long one may take to register or to finish a frame, and how its send
// queues are bounded (see flow-control.ts). Each has a default that stays out of the way of
// the benchmarks and of trees of 10,000 servers, a flag in crc-server, a log line and a counter.
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_QUEUE_BYTES, type FramedConnection } from './connection.ts';
import { formatBytes } from './flow-control.ts';

export interface ServerLimitOptions {
  /** Open connections (both ways); an accepted one past it is closed at once. */
  maxConnections?: number;
  /** Accepted connections that have not registered; past it the oldest is closed to make room. */
  maxUnregistered?: number;
  /** A connection that has not registered this long after it opened is closed (ms). */
  registrationTimeoutMs?: number;
  /** A connection whose unfinished frame has not grown into a whole one for this long is closed (ms). */
  frameTimeoutMs?: number;
  /** A connection whose send queue passed high water and has not drained for this long is closed (ms; a server link gets 3 times as long, a client holding a server link's reads a quarter). */
  sendqTimeoutMs?: number;
  /** Send queue bytes past which a connection's feeders stop being read. */
  sendQueueHighWater?: number;
  /** Send queue bytes past which a connection is closed at once. */
  maxQueueBytes?: number;
  /** Send queue bytes of all connections together; past it no connection is read. */
  sendBudgetBytes?: number;
}

export type ServerLimits = Required<ServerLimitOptions>;

/** The process's open-file limit, if the system says (Linux); connections must leave room for dials and files. */
function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

let fdLimit: number | undefined | null = null;

/** 10,000, or less when the open-file limit is lower: 100 descriptors are kept for dials, logs and the monitor. */
export function defaultMaxConnections(): number {
  if (fdLimit === null) fdLimit = openFileLimit();
  return fdLimit === undefined ? 10_000 : Math.max(1, Math.min(10_000, fdLimit - 100));
}

export const DEFAULT_SERVER_LIMITS: Omit<ServerLimits, 'maxConnections'> = {
  maxUnregistered: 1_000,
  registrationTimeoutMs: 10_000,
  frameTimeoutMs: 30_000,
  sendqTimeoutMs: 10_000,
  sendQueueHighWater: 1024 * 1024,
  maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
  sendBudgetBytes: 256 * 1024 * 1024,
};

export function resolveServerLimits(o: ServerLimitOptions): ServerLimits {
  const limits: ServerLimits = {
    maxConnections: o.maxConnections ?? defaultMaxConnections(),
    maxUnregistered: o.maxUnregistered ?? DEFAULT_SERVER_LIMITS.maxUnregistered,
    registrationTimeoutMs: o.registrationTimeoutMs ?? DEFAULT_SERVER_LIMITS.registrationTimeoutMs,
    frameTimeoutMs: o.frameTimeoutMs ?? DEFAULT_SERVER_LIMITS.frameTimeoutMs,
    sendqTimeoutMs: o.sendqTimeoutMs ?? DEFAULT_SERVER_LIMITS.sendqTimeoutMs,
    sendQueueHighWater: o.sendQueueHighWater ?? DEFAULT_SERVER_LIMITS.sendQueueHighWater,
    maxQueueBytes: o.maxQueueBytes ?? DEFAULT_SERVER_LIMITS.maxQueueBytes,
    sendBudgetBytes: o.sendBudgetBytes ?? DEFAULT_SERVER_LIMITS.sendBudgetBytes,
  };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
  return limits;
}

/** One timer per server looks at every connection this often: a quarter of the shortest timeout, 20 ms to 1 s. */
export function sweepIntervalMs(l: ServerLimits): number {
  return Math.max(20, Math.min(1000, Math.floor(Math.min(l.registrationTimeoutMs, l.frameTimeoutMs, l.sendqTimeoutMs) / 4)));
}

/** A connection a limit closes, why (the close reason), and the counter that counts it (named in the log line). */
export interface Cut {
  conn: FramedConnection;
  reason: string;
  metric: string;
}

/** What the limits did, since the start. */
export interface LimitCounters {
  /** accepted connections closed at once: maxConnections were open */
  connectionsRefused: number;
  /** unregistered connections closed to make room for a new one */
  unregisteredEvicted: number;
  /** connections closed for not registering in time */
  registrationTimeouts: number;
  /** connections closed for an unfinished frame that stalled */
  frameTimeouts: number;
  /** connections closed because their send queue passed maxQueueBytes */
  sendqOverLimit: number;
  /** connections closed because their send queue did not drain within the SendQ timeout */
  sendqStalled: number;
}

export function newLimitCounters(): LimitCounters {
  return { connectionsRefused: 0, unregisteredEvicted: 0, registrationTimeouts: 0, frameTimeouts: 0, sendqOverLimit: 0, sendqStalled: 0 };
}

/** The line a server logs once at start, after its host and status-log limits. */
export function describeLimits(l: ServerLimits): string {
  const s = (ms: number) => `${ms / 1000} s`;
  return `connection limits: ${l.maxConnections} connections, ${l.maxUnregistered} unregistered; timeouts: registration ${s(l.registrationTimeoutMs)}, `
    + `unfinished frame ${s(l.frameTimeoutMs)}, SendQ ${s(l.sendqTimeoutMs)}; send queues: high water ${formatBytes(l.sendQueueHighWater)}, `
    + `${formatBytes(l.maxQueueBytes)} each, ${formatBytes(l.sendBudgetBytes)} in all`;
}
