// Which connections a server keeps: at most maxConnections open, at most maxUnregistered not
// yet registered (the oldest makes room for a newcomer: an honest peer registers at once, so
// it is never the oldest for long), none unregistered past the registration timeout, none
// holding an unfinished frame that stops growing for the frame timeout. The server node asks
// and closes; this module decides and counts.
import type { FramedConnection } from './connection.ts';
import { formatBytes, formatSeconds } from './flow-control.ts';
import { type Cut, type LimitCounters, type ServerLimits, newLimitCounters } from './server-limits.ts';

export class ConnectionGuard {
  readonly counters: LimitCounters = newLimitCounters();
  /** Connections that have not registered, oldest first, with when they opened (performance.now() ms). */
  private readonly unregistered = new Map<FramedConnection, number>();
  private inboundUnregistered = 0;

  constructor(readonly limits: ServerLimits) {}

  get unregisteredCount(): number {
    return this.unregistered.size;
  }

  /** May one more connection be accepted, with `open` open now? Counts a refusal. */
  admits(open: number): boolean {
    if (open < this.limits.maxConnections) return true;
    this.counters.connectionsRefused++;
    return false;
  }

  /**
   * A connection opened. Returns the unregistered connection to close to make room for it,
   * with why, when the unregistered limit is reached (never one this server dialled).
   */
  opened(conn: FramedConnection, now: number): Cut | undefined {
    let evict: Cut | undefined;
    if (!conn.outbound && this.inboundUnregistered >= this.limits.maxUnregistered) {
      for (const [old, since] of this.unregistered) {
        if (old.outbound) continue;
        this.counters.unregisteredEvicted++;
        evict = {
          conn: old,
          reason: `unregistered connection limit (${this.limits.maxUnregistered}) reached: closing the oldest, open ${formatSeconds(now - since)} without registering`,
          metric: 'crc_unregistered_evicted_total',
        };
        this.forget(old);
        break;
      }
    }
    this.unregistered.set(conn, now);
    if (!conn.outbound) this.inboundUnregistered++;
    return evict;
  }

  /** It registered (or is gone): no longer watched for registration. */
  forget(conn: FramedConnection): void {
    if (this.unregistered.delete(conn) && !conn.outbound) this.inboundUnregistered--;
  }

  /** The connections to close now for a timeout, each with why; counted. */
  sweep(now: number, conns: Iterable<FramedConnection>): Cut[] {
    const cuts: Cut[] = [];
    const { registrationTimeoutMs, frameTimeoutMs } = this.limits;
    for (const [conn, since] of this.unregistered) {
      if (now - since < registrationTimeoutMs) break; // oldest first: the rest are younger
      if (conn.readsHeld || conn.socket.destroyed) continue; // the server is not reading it: its registration may be waiting
      this.counters.registrationTimeouts++;
      cuts.push({ conn, reason: `registration timeout: not registered ${formatSeconds(now - since)} after connecting`, metric: 'crc_registration_timeouts_total' });
    }
    const timedOut = new Set(cuts.map((c) => c.conn));
    for (const conn of conns) {
      const d = conn.decoder;
      if (timedOut.has(conn) || conn.socket.destroyed) continue;
      if (d.buffered === 0) {
        conn.frameWatch = -1;
      } else if (conn.frameWatch !== d.frames || conn.readsHeld) {
        // A new unfinished frame, or one we are not reading: its time starts now.
        conn.frameWatch = d.frames;
        conn.frameWatchSince = now;
      } else if (now - conn.frameWatchSince >= frameTimeoutMs) {
        this.counters.frameTimeouts++;
        cuts.push({
          conn,
          reason: `frame timeout: ${formatBytes(d.buffered)} of a ${formatBytes(d.needed)} frame, unfinished for ${formatSeconds(now - conn.frameWatchSince)}`,
          metric: 'crc_frame_timeouts_total',
        });
      }
    }
    return cuts;
  }
}
