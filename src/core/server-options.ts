// What a ServerCore is told beyond its identity (limits, course-reference mode, liveness) and
// what it counts for its driver to publish.
import { type LivenessSettings, resolveLiveness } from './liveness.ts';

export interface ServerCoreOptions {
  /** Hosts the table may hold; a registration past it is refused with a status. */
  maxHosts?: number;
  /** Status log entries kept (the newest); older ones are dropped and counted. */
  statusLogSize?: number;
  /**
   * The course reference's static tree: a lost link, or a client gone without a quit, is not
   * propagated (PROTOCOL.md), so the course harness can grade hosts as it stops them.
   */
  staticTree?: boolean;
  /** Ping a server link silent this long (ms); 0 or absent: no liveness (the course's behaviour). */
  pingIntervalMs?: number;
  /** Declare a server link silent this long dead (ms); default four intervals. */
  pingTimeoutMs?: number;
  /**
   * Hand bursts (seeding a newcomer, a netsplit's departures) to the driver as lazy 'stream'
   * effects instead of one 'send' per frame, for a driver that writes them as the socket drains.
   */
  streamBursts?: boolean;
  /**
   * The frames handed to received() are the driver's alone (decoded from socket reads, fresh
   * buffers nobody else holds): a relayed registration's last hop is patched in its received
   * bytes (setLastHop), not copied: no Buffer per relayed frame, and frames relayed from one
   * read stay one run of it in the write batch. Off by default: a simulated link may hand the
   * sender's own buffer on.
   */
  ownsFrames?: boolean;
}

/** The options with every default filled in; liveness resolved (liveness.ts). */
export type ResolvedServerOptions = Required<Omit<ServerCoreOptions, 'pingIntervalMs' | 'pingTimeoutMs'>> & { liveness: LivenessSettings };

/** Room for a tree of 10,000 servers with their clients. */
export const DEFAULT_MAX_HOSTS = 100_000;
export const DEFAULT_STATUS_LOG_SIZE = 1_000;

/** Status code of a registration refused because the host table is full (ours: 0-2 are the course's). */
export const HOST_LIMIT_STATUS = 0x03;

export function resolveServerOptions(o: ServerCoreOptions = {}): ResolvedServerOptions {
  const maxHosts = o.maxHosts ?? DEFAULT_MAX_HOSTS;
  if (!Number.isInteger(maxHosts) || maxHosts < 0) throw new RangeError(`maxHosts must be a non-negative integer, got ${maxHosts}`);
  return {
    maxHosts, statusLogSize: o.statusLogSize ?? DEFAULT_STATUS_LOG_SIZE, staticTree: o.staticTree ?? false,
    liveness: resolveLiveness(o.pingIntervalMs, o.pingTimeoutMs), streamBursts: o.streamBursts ?? false,
    ownsFrames: o.ownsFrames ?? false,
  };
}

/** Frames the trust rules and limits turned away, since the start. */
export interface RuleCounters {
  /** statuses for this server from a source not behind their connection: not logged */
  statusesRejected: number;
  /** chats from a server link whose text is not UTF-8: not delivered to the client */
  chatsInvalidUtf8: number;
  /** server links closed because a registration over them made a cycle */
  loopsBroken: number;
  /** registrations refused because the host table was full */
  registrationsRefused: number;
  /** a server's own registration again on its own link after the join (the echo of some implementations) */
  echoesIgnored: number;
  /** registrations for a host already known through the same server, announced again by it */
  repeatsIgnored: number;
}
