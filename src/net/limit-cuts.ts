// The connections a limit refuses or cuts (connection-guard.ts and flow-control.ts decide
// which), and their log lines: at most LIMIT_LINES_PER_SECOND, each naming the counter the
// connection is counted in.
import type net from 'node:net';

import type { FramedConnection } from './connection.ts';
import type { ConnectionGuard } from './connection-guard.ts';
import type { FlowControl } from './flow-control.ts';
import { LogThrottle } from './log-throttle.ts';
import type { Cut, ServerLimits } from './server-limits.ts';

/** Lines about connections a limit closed or refused, per second. */
const LIMIT_LINES_PER_SECOND = 20;

export class LimitCuts {
  private readonly limitLog: LogThrottle;
  /** Connections a limit is closing, with the counter to name when their close is logged (removed on close). */
  private readonly limitCuts = new Map<number, string>();

  constructor(
    private readonly limits: ServerLimits,
    private readonly guard: ConnectionGuard,
    private readonly flow: FlowControl,
    private readonly log: (line: string) => void,
  ) {
    this.limitLog = new LogThrottle(log, LIMIT_LINES_PER_SECOND, 'connection limit lines');
  }

  /** An inbound connection: false (and the socket destroyed) when maxConnections are open. */
  admit(socket: net.Socket, open: number): boolean {
    if (this.guard.admits(open)) return true;
    this.limitLog.line(`connection limit (${this.limits.maxConnections}) reached: refused ${socket.remoteAddress}:${socket.remotePort} (counted in crc_connections_refused_total)`);
    socket.destroy();
    return false;
  }

  /** Connection `id`'s send queue went over maxQueueBytes: the connection is closing. */
  queueOverLimit(id: number): void {
    this.guard.counters.sendqOverLimit++;
    this.limitCuts.set(id, 'crc_sendq_exceeded_total');
  }

  /**
   * The periodic look at every connection (sweepIntervalMs): the registration,
   * unfinished-frame and SendQ timeouts. Cheap when nothing is due.
   */
  sweep(now: number, conns: Iterable<FramedConnection>): void {
    for (const cut of this.guard.sweep(now, conns)) this.cut(cut);
    for (const cut of this.flow.sweep(now)) {
      this.guard.counters.sendqStalled++;
      this.cut(cut);
    }
  }

  cut({ conn, reason, metric }: Cut): void {
    this.limitCuts.set(conn.id, metric);
    conn.destroy(reason);
  }

  /** Log a connection's close: throttled, with its counter, when a limit closed it. */
  closed(id: number, line: string): void {
    const metric = this.limitCuts.get(id);
    if (metric === undefined) this.log(line);
    else {
      this.limitCuts.delete(id);
      this.limitLog.line(`${line} (counted in ${metric})`);
    }
  }
}
