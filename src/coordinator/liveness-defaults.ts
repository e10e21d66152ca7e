// The liveness a simulation gives its servers when nothing else says: the options', else the
// topology's, else these defaults (PROTOCOL.md Extensions; crc-server has none by default).
import { type LivenessSettings, resolveLiveness } from '../core/index.ts';
import type { Topology } from '../topology/schema.ts';

export const DEFAULT_PING_INTERVAL_MS = 250;
export const DEFAULT_PING_TIMEOUT_MS = 1000;
/**
 * Beyond 50 servers the default timeout grows by this much per server (the interval stays a
 * quarter of it): all the servers share a few cores, and a big network's flood of joins keeps
 * threads from answering for seconds (up to 9 s seen with 1,000 servers on 2 cores).
 */
export const DEFAULT_PING_TIMEOUT_PER_SERVER_MS = 20;

/**
 * The registration and SendQ timeouts of a simulation's servers (undefined: the servers'
 * defaults, 10 s each). Like the ping timeout they grow with the network, by the same 20 ms
 * per server: with thousands of servers on 2 cores, a worker thread can be over 10 s behind
 * in the flood of joins, and a join cut for a "registration timeout" there costs a netsplit
 * and a fresh seed (seen: 800 such cuts for tree:2000 on a loaded machine).
 */
export function connectionTimeoutsOf(o: { topology: Topology; registrationTimeoutMs?: number; sendqTimeoutMs?: number }): { registrationTimeoutMs?: number; sendqTimeoutMs?: number } {
  const grown = DEFAULT_PING_TIMEOUT_PER_SERVER_MS * o.topology.servers.length;
  const scaled = grown > 10_000 ? grown : undefined;
  return { registrationTimeoutMs: o.registrationTimeoutMs ?? scaled, sendqTimeoutMs: o.sendqTimeoutMs ?? scaled };
}

/** The liveness every server gets: the options', else the topology's, else the defaults. */
export function livenessOf(o: { topology: Topology; pingIntervalMs?: number; pingTimeoutMs?: number }): LivenessSettings {
  if (o.pingIntervalMs !== undefined) return resolveLiveness(o.pingIntervalMs, o.pingTimeoutMs);
  const t = o.topology.liveness;
  if (t === false) return resolveLiveness(0);
  if (t) return resolveLiveness(t.interval, o.pingTimeoutMs ?? t.timeout);
  const timeout = o.pingTimeoutMs ?? Math.max(DEFAULT_PING_TIMEOUT_MS, DEFAULT_PING_TIMEOUT_PER_SERVER_MS * o.topology.servers.length);
  return resolveLiveness(timeout * DEFAULT_PING_INTERVAL_MS / DEFAULT_PING_TIMEOUT_MS, timeout);
}
