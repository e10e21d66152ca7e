// A CRC server on a real TCP port: listens, optionally joins a bootstrap server, and drives a
// ServerCore with the frames its connections decode, carrying out the effects it returns. All
// protocol decisions live in the core (which links' chat text is trusted too: trust-policy.ts).
// Beside it: the bootstrap link and its re-joins (bootstrap-link.ts), connections a limit
// refuses or cuts (limit-cuts.ts), the sweep timer (sweep-timer.ts), log lines for events
// (event-lines.ts), frame tracing (frame-trace.ts), and the views its monitor and worker read
// (server-views.ts).
import net from 'node:net';
import { performance } from 'node:perf_hooks';

import { type Effect, ServerCore } from '../core/index.ts';
import { trustsChatTextFrom } from '../core/trust-policy.ts';
import { type DecodeError, type DecodedMessage, MessageType } from '../protocol/index.ts';
import { BootstrapLink } from './bootstrap-link.ts';
import { type ChatRoute, type ConnectionHandlers, FramedConnection } from './connection.ts';
import { ConnectionGuard } from './connection-guard.ts';
import { TrafficCounters } from './counters.ts';
import { nowMs } from '../util/clock.ts';
import { eventLine } from './event-lines.ts';
import { farewellFrames } from './farewell.ts';
import type { NodeEvent } from './events.ts';
import { FlowControl } from './flow-control.ts';
import { FrameTracer } from './frame-trace.ts';
import { LimitCuts } from './limit-cuts.ts';
import { LogThrottle } from './log-throttle.ts';
import type { ServerNodeOptions, ServerState } from './server-node-options.ts';
import { type ServerLimits, describeLimits, resolveServerLimits } from './server-limits.ts';
import { type QueueStats, connectionCounts, pendingBytes, queueStats, serverState } from './server-views.ts';
import { RecheckTimer, startSweepTimer } from './sweep-timer.ts';
import { endOfTurn } from './write-coalescer.ts';

export type { ServerNodeOptions, ServerState } from './server-node-options.ts';

const REJECTIONS_LOGGED_PER_SECOND = 20;
/** A graceful stop cuts connections that have not closed after their farewell by then (ms). */
const FAREWELL_MS = 1000;

export class CrcServerNode {
  readonly core: ServerCore;
  readonly counters = new TrafficCounters();
  readonly connectionLimits: ServerLimits;
  /** Back-pressure across this server's send queues. */
  readonly flow: FlowControl;
  /** Connection caps and timeouts, with their counters. */
  readonly guard: ConnectionGuard;
  private readonly server: net.Server;
  private readonly conns = new Map<number, FramedConnection>();
  private nextConn = 1;
  private listeningPort = 0;
  private stopped = false;
  private readonly bootstrap: BootstrapLink;
  private allClosed: Promise<void> = Promise.resolve();
  connectionsOpened = 0;
  protocolErrors = 0;
  private readonly handlers: ConnectionHandlers;
  private readonly joinFrames: string[] = [];
  private readonly awaitingFirstFrame = new Set<number>();
  private readonly recordJoinFrames: boolean;
  private readonly traceFrames: boolean;
  /** traceFrames, chats included (not with 'control'): chats then leave their fast path for their events. */
  private readonly traceChats: boolean;
  private readonly tracer: FrameTracer;
  private readonly rejectionLog = new LogThrottle((l) => this.log(l), REJECTIONS_LOGGED_PER_SECOND, 'rejected frames');
  private readonly limitCuts: LimitCuts;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** A liveness look before the next sweep, when a verdict waits only on the lateness margin. */
  private readonly recheck = new RecheckTimer((lateMs) => { if (!this.stopped) this.sweep(lateMs); });

  constructor(readonly options: ServerNodeOptions) {
    this.core = new ServerCore({ id: options.id, name: options.name, info: options.info }, {
      maxHosts: options.maxHosts, statusLogSize: options.statusLogSize, staticTree: options.staticTree, streamBursts: true, ownsFrames: true,
      pingIntervalMs: options.pingIntervalMs, pingTimeoutMs: options.pingTimeoutMs,
    });
    this.connectionLimits = resolveServerLimits(options);
    this.flow = new FlowControl(this.connectionLimits, () => this.conns.values());
    this.guard = new ConnectionGuard(this.connectionLimits);
    this.limitCuts = new LimitCuts(this.connectionLimits, this.guard, this.flow, (l) => this.log(l));
    this.bootstrap = new BootstrapLink(options, {
      attach: (socket) => this.attach(socket, true), stopped: () => this.stopped, log: (l) => this.log(l),
    });
    this.recordJoinFrames = options.recordJoinFrames ?? false;
    this.traceFrames = (options.traceFrames ?? false) !== false && options.onEvent !== undefined;
    this.traceChats = this.traceFrames && options.traceFrames === true;
    this.tracer = new FrameTracer(this.core, this.conns, (e) => this.emit(e), this.traceChats);
    this.handlers = {
      onMessages: (c, msgs) => this.onMessages(c, msgs),
      onDecodeError: (c, err) => this.onDecodeError(c, err),
      onClose: (c, reason) => this.onClose(c, reason),
    };
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => this.log(`listener error: ${err.message}`));
  }

  get id(): number {
    return this.options.id;
  }
  get port(): number {
    return this.listeningPort;
  }

  /** Listen, then join the bootstrap server if one is configured. Resolves with the port. */
  async start(): Promise<number> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new Error(`server ${this.id} (${this.options.name}) cannot listen on ${host}:${this.options.port ?? 0}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`));
      };
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.listeningPort = (this.server.address() as net.AddressInfo).port;
    this.log(`listening on ${host}:${this.listeningPort}`);
    const { maxHosts, statusLogSize } = this.core.limits;
    const { intervalMs, timeoutMs } = this.core.livenessSettings;
    const liveness = intervalMs > 0 ? `; liveness: ping after ${intervalMs} ms idle, dead after ${timeoutMs} ms silent` : '';
    this.log(`limits: ${maxHosts} hosts, ${statusLogSize} status log entries${this.options.staticTree ? '; static tree (course-reference mode)' : ''}${liveness}`);
    this.log(describeLimits(this.connectionLimits));
    this.sweepTimer = startSweepTimer(intervalMs, this.connectionLimits, (lateMs) => {
      if (this.stopped) return;
      this.sweepTimeouts();
      if (intervalMs > 0) this.sweep(lateMs);
    });
    if (this.options.connectTo) await this.join(this.options.connectTo);
    return this.listeningPort;
  }

  /**
   * Dial the bootstrap server, retrying with exponential backoff (25 ms doubling to 1 s)
   * while it is not up yet, until the deadline.
   */
  join(target: { host: string; port: number }, deadlineMs?: number): Promise<void> {
    return this.bootstrap.join(target, deadlineMs);
  }

  /**
   * Close the listener and every connection; resolves once every socket has closed. At once by
   * default (nothing more is sent, as a crash would); with `farewell`, a graceful stop: the
   * adjacent servers are told that this server and its clients are leaving (farewell.ts), and
   * each connection is closed after what it has queued, or cut after FAREWELL_MS.
   */
  async stop(options: { farewell?: boolean } = {}): Promise<void> {
    if (this.stopped) return this.allClosed;
    this.stopped = true;
    this.bootstrap.stop();
    clearInterval(this.sweepTimer);
    this.recheck.stop();
    const reason = 'server shutting down';
    const listenerClosed = new Promise<void>((r) => this.server.close(() => r()));
    const socketsClosed = [...this.conns.values()].map((c) => new Promise<void>((r) => {
      if (c.socket.closed) r();
      else c.socket.once('close', () => setImmediate(r)); // after the connection's own close handler
    }));
    if (options.farewell) {
      const frames = farewellFrames(this.core, reason, this.options.staticTree ?? false);
      for (const id of this.core.adjacentServerIds()) {
        const c = this.connectionTo(id);
        for (const f of frames) c?.send(f);
      }
      for (const c of this.conns.values()) c.end(reason);
      const late = setTimeout(() => { for (const c of this.conns.values()) c.destroy(`${reason}: not closed within ${FAREWELL_MS} ms`); }, FAREWELL_MS);
      late.unref();
    } else {
      for (const c of this.conns.values()) c.destroy(reason);
    }
    this.allClosed = Promise.all([listenerClosed, ...socketsClosed]).then(() => undefined);
    return this.allClosed;
  }

  state(): ServerState {
    return serverState(this.core, this.listeningPort, this.options.recordJoinFrames ? this.joinFrames : undefined);
  }

  /** Bytes queued but not yet handed to the kernel, across all connections. */
  pendingBytes(): number {
    return pendingBytes(this.conns);
  }

  /** Send queues and unfinished frames across all connections, now; held = connections not being read, by peer kind. */
  queueStats(): QueueStats {
    return queueStats(this.core, this.conns);
  }

  connectionCounts(): { server: number; client: number; pending: number } {
    return connectionCounts(this.core, this.conns);
  }

  /** The live connection to an adjacent host, e.g. to cut it in a fault experiment. */
  connectionTo(hostId: number): FramedConnection | undefined {
    const id = this.core.routeTo(hostId);
    return id === undefined ? undefined : this.conns.get(id);
  }

  /**
   * The periodic look at every connection, on one timer per server (sweepIntervalMs): the
   * registration, unfinished-frame and SendQ timeouts. Cheap when nothing is due.
   */
  sweepTimeouts(now = performance.now()): void {
    this.limitCuts.sweep(now, this.conns.values());
  }

  /** An inbound connection, refused at once when maxConnections are open. */
  private accept(socket: net.Socket): void {
    if (this.limitCuts.admit(socket, this.conns.size)) this.attach(socket, false);
  }

  private attach(socket: net.Socket, outbound: boolean): number {
    const id = this.nextConn++;
    const conn: FramedConnection = new FramedConnection(id, socket, outbound, this.handlers, {
      limits: this.options.limits,
      maxQueueBytes: this.connectionLimits.maxQueueBytes,
      counters: this.counters,
      flow: this.flow,
      onQueueLimit: () => this.limitCuts.queueOverLimit(id),
    });
    // Chats go by header where the core allows it (a registered source); traced frames need their events.
    if (!this.traceChats) conn.chatRoute = this.routeChat;
    this.conns.set(id, conn);
    this.connectionsOpened++;
    if (this.stopped) {
      conn.destroy('server shutting down');
      return id;
    }
    this.flow.opened(conn);
    const evicted = this.guard.opened(conn, performance.now());
    if (evicted) this.limitCuts.cut(evicted);
    if (this.recordJoinFrames && !outbound) this.awaitingFirstFrame.add(id);
    this.emit({ type: 'conn-opened', conn: id, remote: conn.remote, outbound });
    this.apply(this.core.opened(id, outbound));
    return id;
  }

  private onMessages(conn: FramedConnection, msgs: DecodedMessage[]): void {
    // Only scenario runs record join frames; keep the per-chunk path free of it otherwise.
    if (this.recordJoinFrames && this.awaitingFirstFrame.delete(conn.id)) this.joinFrames.push(msgs[0]!.raw.toString('hex'));
    const trace = this.traceFrames;
    const fast = !this.traceChats;
    for (const m of msgs) {
      if (!conn.isOpen) return;
      // Most frames are chats to forward: the core names the connection, no effects are made.
      if (m.type === MessageType.ClientChat && fast) {
        const via = this.core.forwardChat(conn.id, m);
        if (via !== undefined) {
          this.conns.get(via)?.send(m.raw);
          continue;
        }
      }
      if (trace) this.tracer.traceFrame('frame-received', conn.id, m.raw);
      this.apply(this.core.received(conn.id, m));
    }
    // A joiner held until it proves its link, whose registration came without a ping: announced now.
    if (this.core.joinsHeld && conn.isOpen) this.apply(this.core.readDone(conn.id));
  }

  /** FramedConnection.chatRoute on a server link: the core's rules (routeChat), by the chat's ids. */
  private readonly routeChat: ChatRoute = (from, src, dest, frame, at, len) => {
    const via = this.core.routeChat(from.id, src, dest, frame, at, len);
    return via === undefined ? undefined : this.conns.get(via);
  };

  private onDecodeError(conn: FramedConnection, err: DecodeError): void {
    this.log(`closing connection ${conn.id} from ${conn.remote}: ${err.message}`);
    this.emit({ type: 'decode-error', conn: conn.id, code: err.code, value: err.value, message: err.message });
  }

  private onClose(conn: FramedConnection, reason: string): void {
    this.conns.delete(conn.id);
    this.awaitingFirstFrame.delete(conn.id);
    this.guard.forget(conn);
    const peer = this.core.peerOf(conn.id);
    const line = `connection ${conn.id} ${peer ? `(${peer.kind} ${peer.id}) ` : ''}closed: ${reason}`;
    this.limitCuts.closed(conn.id, line);
    this.emit({ type: 'conn-closed', conn: conn.id, reason });
    this.apply(this.core.closed(conn.id));
    this.bootstrap.closed(conn.id);
  }

  /** The periodic sweep: liveness (pings on idle server links, dead links closed). */
  private sweep(lateMs: number): void {
    // Silence on a connection we stopped reading (back-pressure) is ours, not the peer's: a
    // peer's bytes waiting in the kernel are life.
    for (const c of this.conns.values()) if (c.takeHeldSinceSweep()) this.core.notReading(c.id);
    const now = nowMs();
    this.apply(this.core.tick(now, lateMs, this.options.hostLateness?.(now - this.core.livenessSettings.timeoutMs) ?? 0));
    this.recheck.set(this.core.livenessRecheckAt, now, this.core.livenessSettings.intervalMs);
  }

  private apply(effects: Effect[]): void {
    for (const e of effects) {
      if (e.kind === 'send') {
        if (this.traceFrames) this.tracer.traceFrame('frame-sent', e.conn, e.data);
        this.conns.get(e.conn)?.send(e.data);
      } else if (e.kind === 'stream') {
        this.conns.get(e.conn)?.stream(this.traceFrames ? this.tracer.tracedFrames(e.conn, e.frames) : e.frames);
      } else if (e.kind === 'close') {
        if (e.abort) this.conns.get(e.conn)?.destroy(e.reason);
        else this.conns.get(e.conn)?.end(e.reason);
      } else {
        if (e.event.type === 'link-up') {
          this.bootstrap.registered(e.event.conn);
          const c = this.conns.get(e.event.conn);
          if (c) this.guard.forget(c);
          // The core's trust rule: a registered server link's chats were checked where they entered.
          if (c && trustsChatTextFrom(e.event.kind)) {
            c.decoder.lazyChatText = true;
            c.serverLink = true;
          }
        } else if (e.event.type === 'protocol-error') {
          this.protocolErrors++;
          this.rejectionLog.line(`rejected from connection ${e.event.conn}: ${e.event.reason}`);
        } else {
          const line = eventLine(e.event);
          if (line !== undefined) this.log(line);
        }
        this.emit(e.event);
      }
    }
  }

  /**
   * Forward first, account later: what happens here is stamped at once but handed on after
   * this turn's writes have left, so a relayed quit does not wait for the event stream. Bounded
   * by one turn's events, which the stream would hold anyway.
   */
  private emit(event: NodeEvent): void {
    if (this.options.onEvent === undefined) return;
    if (this.deferred.push(event, nowMs()) === 2) endOfTurn.after(this.emitDeferred);
  }

  /** Events and their stamps, alternating, waiting for the end of the turn's writes. */
  private deferred: Array<NodeEvent | number> = [];
  private readonly emitDeferred = (): void => {
    const d = this.deferred;
    this.deferred = [];
    const onEvent = this.options.onEvent!;
    for (let i = 0; i < d.length; i += 2) onEvent(d[i] as NodeEvent, d[i + 1] as number);
  };

  private log(line: string): void {
    this.options.log?.(`[${this.options.name}#${this.options.id}] ${line}`);
  }
}
