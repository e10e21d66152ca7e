// A CRC server on a real TCP port: listens, optionally joins a bootstrap server, and drives a
// ServerCore with the frames its connections decode. All protocol decisions live in the core.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

import { type Effect, type HostRecord, ServerCore } from '../core/index.ts';
import { type DecodeError, type DecodedMessage, MessageType } from '../protocol/index.ts';
import { type ChatRoute, type ConnectionHandlers, FramedConnection } from './connection.ts';
import { ConnectionGuard } from './connection-guard.ts';
import { TrafficCounters } from './counters.ts';
import { nowMs } from '../util/clock.ts';
import { dial, dialHost } from './dial.ts';
import { farewellFrames } from './farewell.ts';
import { type FrameEvent, type NodeEvent, frameEvent } from './events.ts';
import { FlowControl } from './flow-control.ts';
import { LogThrottle } from './log-throttle.ts';
import type { ServerNodeOptions, ServerState } from './server-node-options.ts';
import { type Cut, type ServerLimits, describeLimits, resolveServerLimits, sweepIntervalMs } from './server-limits.ts';

export type { ServerNodeOptions, ServerState } from './server-node-options.ts';

const REJECTIONS_LOGGED_PER_SECOND = 20;
/** The re-join backoff after a lost bootstrap link: from this, doubling while tries fail to register, up to the max (ms). */
const REJOIN_FIRST_MS = 25;
const REJOIN_MAX_MS = 500;
/** A graceful stop cuts connections that have not closed after their farewell by then (ms). */
const FAREWELL_MS = 1000;
/** Lines about connections a limit closed or refused, per second. */
const LIMIT_LINES_PER_SECOND = 20;

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
  private bootstrapConn: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private joinTarget: { host: string; port: number } | undefined;
  /** The bootstrap link's peer registered: a join that worked, so the next re-join starts from the shortest delay. */
  private bootstrapJoined = false;
  private rejoinDelay = REJOIN_FIRST_MS;
  private allClosed: Promise<void> = Promise.resolve();
  connectionsOpened = 0;
  protocolErrors = 0;
  private readonly handlers: ConnectionHandlers;
  private readonly joinFrames: string[] = [];
  private readonly awaitingFirstFrame = new Set<number>();
  private readonly recordJoinFrames: boolean;
  private readonly traceFrames: boolean;
  /** What the bootstrap's host name resolved to, looked up once (see dialHost). */
  private joinHost: { name: string; dial: string } | undefined;
  private readonly rejectionLog = new LogThrottle((l) => this.log(l), REJECTIONS_LOGGED_PER_SECOND, 'rejected frames');
  private readonly limitLog = new LogThrottle((l) => this.log(l), LIMIT_LINES_PER_SECOND, 'connection limit lines');
  /** Connections a limit is closing, with the counter to name when their close is logged. */
  private readonly limitCuts = new Map<number, string>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: ServerNodeOptions) {
    this.core = new ServerCore({ id: options.id, name: options.name, info: options.info }, {
      maxHosts: options.maxHosts, statusLogSize: options.statusLogSize, staticTree: options.staticTree, streamBursts: true,
      pingIntervalMs: options.pingIntervalMs, pingTimeoutMs: options.pingTimeoutMs,
    });
    this.connectionLimits = resolveServerLimits(options);
    this.flow = new FlowControl(this.connectionLimits, () => this.conns.values());
    this.guard = new ConnectionGuard(this.connectionLimits);
    this.recordJoinFrames = options.recordJoinFrames ?? false;
    this.traceFrames = (options.traceFrames ?? false) && options.onEvent !== undefined;
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
    // One timer per server for every sweep: connection timeouts, and liveness when it is on.
    const every = intervalMs > 0 ? Math.min(intervalMs, sweepIntervalMs(this.connectionLimits)) : sweepIntervalMs(this.connectionLimits);
    let due = performance.now() + every;
    this.sweepTimer = setInterval(() => {
      // How late this timer ran: liveness does not read a late thread's silence as a dead peer.
      const now = performance.now();
      const lateMs = Math.max(0, now - due);
      due = now + every;
      this.sweepTimeouts();
      if (intervalMs > 0) this.sweep(lateMs);
    }, every);
    this.sweepTimer.unref();
    if (this.options.connectTo) await this.join(this.options.connectTo);
    return this.listeningPort;
  }

  /**
   * Dial the bootstrap server, retrying with exponential backoff (25 ms doubling to 1 s)
   * while it is not up yet, until the deadline.
   */
  async join(target: { host: string; port: number }, deadlineMs = this.options.joinDeadlineMs ?? 10_000): Promise<void> {
    this.joinTarget = target;
    const giveUpAt = Date.now() + deadlineMs;
    if (this.joinHost?.name !== target.host) this.joinHost = { name: target.host, dial: await dialHost(target.host, (l) => this.log(l)) };
    const host = this.joinHost.dial;
    let delay = 25;
    for (;;) {
      if (this.stopped) throw new Error(`server ${this.id} stopped while joining ${target.host}:${target.port}`);
      let lastError: string;
      try {
        const socket = await dial(host, target.port);
        this.bootstrapJoined = false;
        this.bootstrapConn = this.attach(socket, true);
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        throw new Error(`server ${this.id} (${this.options.name}) could not join ${target.host}:${target.port} within ${deadlineMs} ms: ${lastError}`);
      }
      // Sleep no further than the deadline, so the last try happens right at it.
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
      delay = Math.min(delay * 2, 1000);
    }
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
    clearTimeout(this.reconnectTimer);
    clearInterval(this.sweepTimer);
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
    return {
      id: this.core.id,
      name: this.core.name,
      info: this.core.info,
      port: this.listeningPort,
      hosts: this.core.hostsSnapshot().map((h: HostRecord) => ({ id: h.id, kind: h.kind, name: h.name, info: h.info, firstLinkId: h.firstLinkId })),
      adjacentServerIds: this.core.adjacentServerIds(),
      adjacentUserIds: this.core.adjacentUserIds(),
      statusLog: this.core.statusUpdates(),
      ...(this.options.recordJoinFrames ? { joinFrames: [...this.joinFrames] } : {}),
    };
  }

  /** Bytes queued but not yet handed to the kernel, across all connections. */
  pendingBytes(): number {
    let n = 0;
    for (const c of this.conns.values()) n += c.pendingBytes;
    return n;
  }

  /** Send queues and unfinished frames across all connections, now; held = connections not being read, by peer kind. */
  queueStats(): { queuedBytes: number; held: { server: number; client: number; pending: number }; partialBytes: number; partialCapacity: number } {
    const out = { queuedBytes: 0, held: { server: 0, client: 0, pending: 0 }, partialBytes: 0, partialCapacity: 0 };
    for (const [id, c] of this.conns) {
      out.queuedBytes += c.pendingBytes;
      if (c.readsHeld) out.held[this.core.peerOf(id)?.kind ?? 'pending']++;
      out.partialBytes += c.decoder.buffered;
      out.partialCapacity += c.decoder.capacity;
    }
    return out;
  }

  connectionCounts(): { server: number; client: number; pending: number } {
    const out = { server: 0, client: 0, pending: 0 };
    for (const id of this.conns.keys()) {
      const p = this.core.peerOf(id);
      out[p ? p.kind : 'pending']++;
    }
    return out;
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
    for (const cut of this.guard.sweep(now, this.conns.values())) this.cut(cut);
    for (const cut of this.flow.sweep(now)) {
      this.guard.counters.sendqStalled++;
      this.cut(cut);
    }
  }

  private cut({ conn, reason, metric }: Cut): void {
    this.limitCuts.set(conn.id, metric);
    conn.destroy(reason);
  }

  /** An inbound connection, refused at once when maxConnections are open. */
  private accept(socket: net.Socket): void {
    if (this.guard.admits(this.conns.size)) {
      this.attach(socket, false);
      return;
    }
    this.limitLog.line(`connection limit (${this.connectionLimits.maxConnections}) reached: refused ${socket.remoteAddress}:${socket.remotePort} (counted in crc_connections_refused_total)`);
    socket.destroy();
  }

  private attach(socket: net.Socket, outbound: boolean): number {
    const id = this.nextConn++;
    const conn: FramedConnection = new FramedConnection(id, socket, outbound, this.handlers, {
      limits: this.options.limits,
      maxQueueBytes: this.connectionLimits.maxQueueBytes,
      counters: this.counters,
      flow: this.flow,
      onQueueLimit: () => {
        this.guard.counters.sendqOverLimit++;
        this.limitCuts.set(id, 'crc_sendq_exceeded_total');
      },
    });
    // Chats go by header where the core allows it (a registered source); traced frames need their events.
    if (!this.traceFrames) conn.chatRoute = this.routeChat;
    this.conns.set(id, conn);
    this.connectionsOpened++;
    if (this.stopped) {
      conn.destroy('server shutting down');
      return id;
    }
    this.flow.opened(conn);
    const evicted = this.guard.opened(conn, performance.now());
    if (evicted) this.cut(evicted);
    if (this.recordJoinFrames && !outbound) this.awaitingFirstFrame.add(id);
    this.emit({ type: 'conn-opened', conn: id, remote: conn.remote, outbound });
    this.apply(this.core.opened(id, outbound));
    return id;
  }

  private onMessages(conn: FramedConnection, msgs: DecodedMessage[]): void {
    // Only scenario runs record join frames; keep the per-chunk path free of it otherwise.
    if (this.recordJoinFrames && this.awaitingFirstFrame.delete(conn.id)) this.joinFrames.push(msgs[0]!.raw.toString('hex'));
    const trace = this.traceFrames;
    for (const m of msgs) {
      if (!conn.isOpen) return;
      // Most frames are chats to forward: the core names the connection, no effects are made.
      if (m.type === MessageType.ClientChat && !trace) {
        const via = this.core.forwardChat(conn.id, m);
        if (via !== undefined) {
          this.conns.get(via)?.send(m.raw);
          continue;
        }
      }
      if (trace) this.traceFrame('frame-received', conn.id, m.raw);
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
    const metric = this.limitCuts.get(conn.id);
    if (metric === undefined) this.log(line);
    else {
      this.limitCuts.delete(conn.id);
      this.limitLog.line(`${line} (counted in ${metric})`);
    }
    this.emit({ type: 'conn-closed', conn: conn.id, reason });
    this.apply(this.core.closed(conn.id));
    if (conn.id === this.bootstrapConn) {
      this.bootstrapConn = undefined;
      if (this.options.reconnect && this.joinTarget && !this.stopped) this.scheduleRejoin();
    }
  }

  /** The periodic sweep: liveness (pings on idle server links, dead links closed). */
  private sweep(lateMs: number): void {
    // Silence on a connection we stopped reading (back-pressure) is ours, not the peer's: a
    // peer's bytes waiting in the kernel are life.
    for (const c of this.conns.values()) if (c.takeHeldSinceSweep()) this.core.notReading(c.id);
    this.apply(this.core.tick(nowMs(), lateMs));
  }

  private scheduleRejoin(): void {
    const target = this.joinTarget!;
    // A link that never registered (e.g. a proxy whose far side is down accepts, then closes)
    // backs off further each time; after one that did (a join that worked), it starts again
    // from the shortest delay, however short-lived that link was.
    this.rejoinDelay = this.bootstrapJoined ? REJOIN_FIRST_MS : Math.min(this.rejoinDelay * 2, REJOIN_MAX_MS);
    this.log(`re-joining ${target.host}:${target.port} in ${this.rejoinDelay} ms (${this.bootstrapJoined ? 'after a link that had registered' : 'the last try did not register'})`);
    this.bootstrapJoined = false;
    this.reconnectTimer = setTimeout(() => {
      this.join(target, this.options.joinDeadlineMs ?? 60_000).catch((err: Error) => {
        if (!this.stopped) this.log(`re-join failed: ${err.message}`);
      });
    }, this.rejoinDelay);
  }

  private apply(effects: Effect[]): void {
    for (const e of effects) {
      if (e.kind === 'send') {
        if (this.traceFrames) this.traceFrame('frame-sent', e.conn, e.data);
        this.conns.get(e.conn)?.send(e.data);
      } else if (e.kind === 'stream') {
        this.conns.get(e.conn)?.stream(this.traceFrames ? this.tracedFrames(e.conn, e.frames) : e.frames);
      } else if (e.kind === 'close') {
        if (e.abort) this.conns.get(e.conn)?.destroy(e.reason);
        else this.conns.get(e.conn)?.end(e.reason);
      } else {
        if (e.event.type === 'link-up') {
          if (e.event.conn === this.bootstrapConn) this.bootstrapJoined = true;
          const c = this.conns.get(e.event.conn);
          if (c) this.guard.forget(c);
          // A registered server link is trusted: its chats were validated where they entered.
          if (c && e.event.kind === 'server') {
            c.decoder.lazyChatText = true;
            c.serverLink = true;
          }
        } else if (e.event.type === 'protocol-error') {
          this.protocolErrors++;
          this.rejectionLog.line(`rejected from connection ${e.event.conn}: ${e.event.reason}`);
        } else if (e.event.type === 'link-dead') {
          const { peerId, silentMs, reason } = e.event;
          this.log(peerId === 0
            ? `connection ${e.event.conn}: ${reason}: not registered ${silentMs.toFixed(0)} ms after our registration`
            : `server ${peerId} silent for ${silentMs.toFixed(0)} ms: ${reason}, splitting it off`);
        } else if (e.event.type === 'no-liveness') {
          this.log(`server ${e.event.peerId} did not answer the liveness ping: a server without liveness, never pinged or timed out again`);
        } else if (e.event.type === 'limit-reached') {
          this.log(e.event.limit === 'max-hosts'
            ? `host table full (${e.event.value} hosts): refusing new registrations (counted in crc_registrations_refused_total)`
            : `status log full (${e.event.value} entries): dropping the oldest from now on (counted in crc_status_log_dropped_total)`);
        }
        this.emit(e.event);
      }
    }
  }

  /** A lazy burst whose frames are traced as the connection pulls them (when they are written). */
  private *tracedFrames(connId: number, frames: Iterable<Buffer>): Iterable<Buffer> {
    for (const f of frames) {
      this.traceFrame('frame-sent', connId, f);
      yield f;
    }
  }

  /** With traceFrames: an event for a frame on a server link (not on a client's). */
  private traceFrame(type: FrameEvent['type'], connId: number, raw: Buffer): void {
    const peer = this.core.peerOf(connId);
    if (peer) {
      if (peer.kind === 'server') this.emit(frameEvent(type, connId, peer.id, raw));
      return;
    }
    // Not registered yet. Our own dial goes to a server whose id we learn when it answers (0
    // until then; a report takes it from the link-up). What comes back on it, or a server's
    // registration on a link it dialled to us, names its sender.
    const outbound = this.conns.get(connId)?.outbound;
    if (type === 'frame-sent') {
      if (outbound) this.emit(frameEvent(type, connId, 0, raw));
    } else if (outbound || raw[0] === MessageType.ServerRegistration) {
      this.emit(frameEvent(type, connId, raw.readUInt32BE(1), raw));
    }
  }

  private emit(event: NodeEvent): void {
    this.options.onEvent?.(event, nowMs());
  }

  private log(line: string): void {
    this.options.log?.(`[${this.options.name}#${this.options.id}] ${line}`);
  }
}
