// Back-pressure for one server. A connection whose send queue passes the high-water mark is
// congested: each connection whose frames are then queued on it (its feeder) stops being read
// until it drains to the low-water mark, so TCP pushes back on the senders instead of the
// server holding their bytes. All queues together have one budget: past it, no connection is
// read until they drain to 3/4 of it. A congested connection that does not drain within the
// SendQ timeout is cut, and its feeders resume.
//
// Only feeders pause, not every reader: one stalled peer then holds up the connections that
// talk to it, not every honest pair on the server, and two servers congested toward each
// other do not wait on each other (in a tree, a frame read from a link is never queued back
// on that link, except a reply). A feeder is a connection whose frames are *sent to* the
// congested peer: chats and statuses routed there, or answers on its own queue. What the
// server must tell every peer (registrations, quits, netsplits) feeds only a server link that
// relays it to another server link: a newcomer's registration told to a stalled client would
// otherwise hold the newcomer until that client is cut. Such frames are queued within the peer's own caps (maxQueueBytes, the SendQ
// timeout, the budget), which cut it. A held server link holds everything behind it, so a
// client that holds one gets a quarter of the SendQ timeout. And a server link's queue may be
// congested only because the server behind it holds its reads for a stalled client of its
// own: a server link gets three times the SendQ timeout, so that client is cut first and the
// link drains, never cut in its place.
import { MessageType } from '../protocol/index.ts';
import type { FramedConnection } from './connection.ts';
import type { Cut } from './server-limits.ts';

export interface FlowLimits {
  /** A connection's queue past this is congested; low water is a quarter of it. */
  sendQueueHighWater: number;
  /** Bytes all send queues of the server may hold together. */
  sendBudgetBytes: number;
  /** A congested connection that has not drained to low water after this long is cut. */
  sendqTimeoutMs: number;
}

/** A connection's queue past high water, until it drains to low water. */
export interface Congestion {
  /** When it began (performance.now() ms). */
  since: number;
  /** What the peer had taken when it began, to say how much it read since. */
  drainedAtStart: number;
  /** It ends when the queue is down to this: low water, or a quarter of a smaller queue caught by the budget. */
  endsAt: number;
  /** A client (or unregistered peer) holding a server link's reads: everything behind that link waits on it. */
  holdsALink: boolean;
  /** Connections whose reads it holds. */
  readonly feeders: Set<FramedConnection>;
}

/** The SendQ timeout times this for a server link, and divided by this for a client holding one. */
const SERVER_LINK_PATIENCE = 3;
const LINK_HOLDER_SHARE = 4;

/** The estimate of all queues only ever errs high (a queue shrinks unseen between sends); past the budget it is measured again, this often at most. */
const RECOUNT_MS = 5;

export class FlowControl {
  readonly highWater: number;
  readonly lowWater: number;
  readonly budget: number;
  /** Below this the budget pause ends. */
  private readonly resumeAt: number;
  private readonly stallMs: number;
  /** The sum of the queues as last measured: exact after a recount, an upper bound between. */
  queued = 0;
  /** The connection whose frames are being handled now, if any. */
  reading: FramedConnection | undefined;
  overBudget = false;
  /** When the queues were last measured one by one: an estimate past the budget is checked at most every RECOUNT_MS. */
  private recountedAt = -Infinity;
  private readonly congested = new Set<FramedConnection>();
  readonly counts = {
    /** times a connection's reads were held because it fed a congested queue */
    readPauses: 0,
    /** ...of which a server link's: everything behind it waits too */
    serverLinkPauses: 0,
    /** times the budget held every connection's reads */
    budgetPauses: 0,
  };

  constructor(limits: FlowLimits, private readonly connections: () => Iterable<FramedConnection>) {
    this.highWater = limits.sendQueueHighWater;
    this.lowWater = Math.floor(limits.sendQueueHighWater / 4);
    this.budget = limits.sendBudgetBytes;
    this.resumeAt = Math.floor(limits.sendBudgetBytes * 0.75);
    this.stallMs = limits.sendqTimeoutMs;
  }

  /** Connections congested now. */
  get congestedCount(): number {
    return this.congested.size;
  }

  /**
   * A send of a frame of type `frameType` left `conn` with `queued` bytes, past high water or
   * with the budget exceeded (send() checks; this is the rare path).
   */
  pressure(conn: FramedConnection, queued: number, frameType: number): void {
    if (queued > this.highWater) {
      const c = conn.congestion ?? this.congest(conn, queued, performance.now());
      const r = this.reading;
      if (r !== undefined && !c.feeders.has(r) && feeds(r, conn, frameType)) {
        if (r.serverLink && !conn.serverLink) c.holdsALink = true;
        c.feeders.add(r);
        r.holdReads();
        this.counts.readPauses++;
        if (r.serverLink) this.counts.serverLinkPauses++;
      }
    }
    if (this.queued > this.budget && !this.overBudget) {
      const now = performance.now();
      if (now - this.recountedAt >= RECOUNT_MS) this.recount(now);
    }
  }

  /** `conn`'s socket has written all it held. */
  drained(conn: FramedConnection): void {
    const q = conn.pendingBytes;
    this.queued += q - conn.measured;
    conn.measured = q;
    if (conn.congestion && q <= conn.congestion.endsAt) this.relieve(conn);
    if (this.overBudget && this.queued <= this.resumeAt) this.recount(performance.now());
  }

  /** A new connection: held at once while the budget is exceeded. */
  opened(conn: FramedConnection): void {
    if (this.overBudget) this.budgetHold(conn);
  }

  closed(conn: FramedConnection): void {
    this.queued -= conn.measured;
    conn.measured = 0;
    if (conn.congestion) this.relieve(conn);
    if (this.overBudget && this.queued <= this.resumeAt) this.recount(performance.now());
  }

  /**
   * The periodic look: measure every queue (a drain too small to raise 'drain' is seen here),
   * end congestions and the budget pause that are over, and return the connections congested
   * for the whole SendQ timeout, each with the reason to cut it.
   */
  sweep(now: number): Cut[] {
    this.recount(now);
    const cuts: Cut[] = [];
    for (const conn of this.congested) {
      if (conn.socket.destroyed) continue; // cut already, its close not yet seen
      const c = conn.congestion!;
      if (conn.measured <= c.endsAt) this.relieve(conn);
      else if (now - c.since >= this.timeoutFor(conn, c)) {
        const read = conn.drainedBytes - c.drainedAtStart;
        const reason = `SendQ exceeded: ${formatBytes(conn.measured)} queued, ${formatBytes(read)} read in ${formatSeconds(now - c.since)}`;
        cuts.push({ conn, reason, metric: 'crc_sendq_exceeded_total' });
      }
    }
    return cuts;
  }

  /** How long `conn` may stay congested. */
  private timeoutFor(conn: FramedConnection, c: Congestion): number {
    if (conn.serverLink) return SERVER_LINK_PATIENCE * this.stallMs;
    return c.holdsALink ? this.stallMs / LINK_HOLDER_SHARE : this.stallMs;
  }

  private congest(conn: FramedConnection, queued: number, now: number): Congestion {
    const endsAt = Math.min(this.lowWater, Math.floor(queued / 4));
    const c: Congestion = { since: now, drainedAtStart: conn.drainedBytes, endsAt, holdsALink: false, feeders: new Set() };
    conn.congestion = c;
    this.congested.add(conn);
    return c;
  }

  private relieve(conn: FramedConnection): void {
    const c = conn.congestion!;
    conn.congestion = undefined;
    this.congested.delete(conn);
    for (const f of c.feeders) f.releaseReads();
  }

  private budgetHold(conn: FramedConnection): void {
    conn.budgetHeld = true;
    conn.holdReads();
  }

  /** Measure every queue exactly; start or end a budget pause. */
  private recount(now: number): void {
    this.recountedAt = now;
    let total = 0;
    for (const c of this.connections()) {
      const q = c.pendingBytes;
      c.measured = q;
      total += q;
    }
    this.queued = total;
    if (!this.overBudget && total > this.budget) {
      this.overBudget = true;
      this.counts.budgetPauses++;
      for (const c of this.connections()) {
        this.budgetHold(c);
        // Every queue holding bytes must now drain within the SendQ timeout, or be cut.
        if (c.measured > 0 && !c.congestion) this.congest(c, c.measured, now);
      }
    } else if (this.overBudget && total <= this.resumeAt) {
      this.overBudget = false;
      for (const c of this.connections()) {
        if (!c.budgetHeld) continue;
        c.budgetHeld = false;
        c.releaseReads();
      }
    }
  }
}

/**
 * Does reading `reader` feed `conn`'s queue with a frame of this type? Chats and statuses sent
 * there are the reader's own traffic toward that peer; anything on the reader's own queue
 * answers it. Registrations and quits are told to every peer: they feed only a server link
 * relaying them to another server link, never a client and never toward a client.
 */
function feeds(reader: FramedConnection, conn: FramedConnection, frameType: number): boolean {
  if (reader === conn || frameType === MessageType.ClientChat || frameType === MessageType.Status) return true;
  // A burst relayed from one server link to another (a re-join's registrations, a netsplit's
  // quits) is held back over TCP as it crosses the tree, instead of piling up in each queue.
  return reader.serverLink && conn.serverLink;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n >= 10 * 2 ** 20 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n >= 10 * 1024 ? 0 : 1)} KiB`;
  return `${n} B`;
}

export function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
