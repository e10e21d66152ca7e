// A CRC server in the sim: a ServerCore and its connections on sim ports, doing what
// net/server-node.ts does around its core, on the sim's clock: dialling the join target
// (25 ms doubling to 1 s until the join deadline), re-dialling a lost bootstrap link with the
// node's backoff (25 ms, doubling while tries fail to register, up to 500 ms), and one sweep
// timer for liveness (tick(now) every ping interval). Connection guards (registration, frame
// and SendQ timeouts, connection caps) are not modelled: see docs/virtual-time.md.
import { type Effect, type HostRecord, ServerCore } from '../core/index.ts';
import { type DecodedMessage, MessageType } from '../protocol/index.ts';
import { DEFAULT_MAX_QUEUE_BYTES } from '../net/connection.ts';
import { type FrameEvent, type NodeEvent, frameEvent } from '../net/events.ts';
import type { ServerState } from '../net/server-node-options.ts';
import type { Clock, ClockTimer } from '../util/clock.ts';
import { SimConnection, type SimConnectionHandlers } from './connection.ts';
import type { SimPorts } from './ports.ts';
import type { SimStream } from './stream.ts';

/** The real node's re-join backoff (net/server-node.ts): first delay, and the most it doubles to (ms). */
export const REJOIN_FIRST_MS = 25;
export const REJOIN_MAX_MS = 500;
/** The real node's join retry: from 25 ms doubling to 1 s (ms). */
const JOIN_RETRY_FIRST_MS = 25;
const JOIN_RETRY_MAX_MS = 1000;
const DEFAULT_JOIN_DEADLINE_MS = 10_000;
const DEFAULT_REJOIN_DEADLINE_MS = 60_000;

export interface SimServerOptions {
  id: number;
  name: string;
  info: string;
  port?: number;
  reconnect?: boolean;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  traceFrames?: boolean | 'control';
  maxQueueBytes?: number;
  joinDeadlineMs?: number;
  /** Keep the hex of each inbound connection's first frame (the course's connectivity scenarios check it). */
  recordJoinFrames?: boolean;
  onEvent: (event: NodeEvent) => void;
}

export class SimServer {
  readonly core: ServerCore;
  readonly port: number;
  private readonly conns = new Map<number, SimConnection>();
  private nextConn = 1;
  private stopped = false;
  private bootstrapConn: number | undefined;
  private bootstrapJoined = false;
  private rejoinDelay = REJOIN_FIRST_MS;
  private joinTarget: number | undefined;
  private timers = new Set<ClockTimer>();
  private readonly handlers: SimConnectionHandlers;
  /** With recordJoinFrames: each inbound connection's first frame (hex), and the ones still to come. */
  readonly joinFrames: string[] = [];
  private readonly awaitingFirstFrame = new Set<number>();
  bytesIn = 0;

  constructor(readonly options: SimServerOptions, private readonly ports: SimPorts, private readonly clock: Clock) {
    this.core = new ServerCore({ id: options.id, name: options.name, info: options.info }, {
      pingIntervalMs: options.pingIntervalMs, pingTimeoutMs: options.pingTimeoutMs,
    });
    this.handlers = {
      onMessages: (c, msgs) => this.onMessages(c, msgs),
      onDecodeError: (c, err) => this.emit({ type: 'decode-error', conn: c.id, code: err.code, value: err.value, message: err.message }),
      onClose: (c, reason) => this.onClose(c, reason),
    };
    this.port = ports.serve((end) => this.attach(end, false), options.port);
    const every = this.core.livenessSettings.intervalMs;
    if (every > 0) this.every(every, () => this.apply(this.core.tick(this.clock.now())));
  }

  get id(): number {
    return this.options.id;
  }

  /** Dial the bootstrap at `port`, retrying while nothing listens there; resolves with when the registration left. */
  async join(port: number, deadlineMs = this.options.joinDeadlineMs ?? DEFAULT_JOIN_DEADLINE_MS): Promise<number> {
    this.joinTarget = port;
    const giveUpAt = this.clock.now() + deadlineMs;
    let delay = JOIN_RETRY_FIRST_MS;
    for (;;) {
      if (this.stopped) throw new Error(`server ${this.id} stopped while joining port ${port}`);
      const end = this.ports.dial(port, this.options.name);
      if (end) {
        this.bootstrapJoined = false;
        this.bootstrapConn = this.attach(end, true);
        return this.clock.now();
      }
      const left = giveUpAt - this.clock.now();
      if (left <= 0) throw new Error(`server ${this.id} (${this.options.name}) could not join port ${port} within ${deadlineMs} ms: nothing listens there`);
      await this.clock.sleepUntil(this.clock.now() + Math.min(delay, left));
      delay = Math.min(delay * 2, JOIN_RETRY_MAX_MS);
    }
  }

  /** Go down at once, as a killed process: every connection cut, nothing more sent, the port freed. */
  crash(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) this.clock.cancel(t);
    this.timers.clear();
    this.ports.close(this.port);
    for (const c of [...this.conns.values()]) c.destroy('server crashed');
  }

  state(): ServerState {
    return {
      id: this.core.id, name: this.core.name, info: this.core.info, port: this.port,
      hosts: this.core.hostsSnapshot().map((h: HostRecord) => ({ id: h.id, kind: h.kind, name: h.name, info: h.info, firstLinkId: h.firstLinkId })),
      adjacentServerIds: this.core.adjacentServerIds(),
      adjacentUserIds: this.core.adjacentUserIds(),
      statusLog: this.core.statusUpdates(),
    };
  }

  pendingBytes(): number {
    let n = 0;
    for (const c of this.conns.values()) n += c.pendingBytes;
    return n;
  }

  private every(ms: number, fn: () => void): void {
    const arm = (due: number) => {
      const t = this.clock.at(due, () => {
        this.timers.delete(t);
        if (this.stopped) return;
        fn();
        arm(due + ms);
      });
      this.timers.add(t);
    };
    arm(this.clock.now() + ms);
  }

  private attach(end: SimStream, outbound: boolean): number {
    const id = this.nextConn++;
    if (this.stopped) {
      end.destroy();
      return id;
    }
    const conn = new SimConnection(id, end, outbound, this.handlers, this.options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES);
    this.conns.set(id, conn);
    if (this.options.recordJoinFrames && !outbound) this.awaitingFirstFrame.add(id);
    this.emit({ type: 'conn-opened', conn: id, remote: 'sim', outbound });
    this.apply(this.core.opened(id, outbound));
    return id;
  }

  private onMessages(conn: SimConnection, msgs: DecodedMessage[]): void {
    if (this.stopped) return;
    if (this.awaitingFirstFrame.delete(conn.id)) this.joinFrames.push(msgs[0]!.raw.toString('hex'));
    const trace = this.options.traceFrames ?? false;
    for (const m of msgs) {
      if (!conn.isOpen) return;
      this.bytesIn += m.raw.length;
      // Most frames are chats to forward: the core names the connection, no effects are made
      // (traced too: the two frame events are the ones the decoded path would give).
      if (m.type === MessageType.ClientChat) {
        const via = this.core.forwardChat(conn.id, m);
        if (via !== undefined) {
          if (trace) {
            this.traceFrame('frame-received', conn.id, m.raw);
            this.traceFrame('frame-sent', via, m.raw);
          }
          this.conns.get(via)?.send(m.raw);
          continue;
        }
      }
      if (trace) this.traceFrame('frame-received', conn.id, m.raw);
      this.apply(this.core.received(conn.id, m));
    }
  }

  private onClose(conn: SimConnection, reason: string): void {
    this.conns.delete(conn.id);
    this.awaitingFirstFrame.delete(conn.id);
    if (this.stopped) return;
    this.emit({ type: 'conn-closed', conn: conn.id, reason });
    this.apply(this.core.closed(conn.id));
    if (conn.id === this.bootstrapConn) {
      this.bootstrapConn = undefined;
      if (this.options.reconnect && this.joinTarget !== undefined && !this.stopped) this.scheduleRejoin();
    }
  }

  private scheduleRejoin(): void {
    const target = this.joinTarget!;
    this.rejoinDelay = this.bootstrapJoined ? REJOIN_FIRST_MS : Math.min(this.rejoinDelay * 2, REJOIN_MAX_MS);
    this.bootstrapJoined = false;
    const t = this.clock.at(this.clock.now() + this.rejoinDelay, () => {
      this.timers.delete(t);
      this.join(target, this.options.joinDeadlineMs ?? DEFAULT_REJOIN_DEADLINE_MS).catch(() => {});
    });
    this.timers.add(t);
  }

  private apply(effects: Effect[]): void {
    const trace = this.options.traceFrames ?? false;
    for (const e of effects) {
      if (e.kind === 'send') {
        if (trace) this.traceFrame('frame-sent', e.conn, e.data);
        this.conns.get(e.conn)?.send(e.data);
      } else if (e.kind === 'stream') {
        for (const f of e.frames) this.conns.get(e.conn)?.send(f);
      } else if (e.kind === 'close') {
        if (e.abort) this.conns.get(e.conn)?.destroy(e.reason);
        else this.conns.get(e.conn)?.end(e.reason);
      } else {
        if (e.event.type === 'link-up' && e.event.conn === this.bootstrapConn) this.bootstrapJoined = true;
        this.emit(e.event);
      }
    }
  }

  private traceFrame(type: FrameEvent['type'], connId: number, raw: Buffer): void {
    if (this.options.traceFrames === 'control' && raw[0] === MessageType.ClientChat) return;
    const peer = this.core.peerOf(connId);
    if (peer?.kind === 'server') this.emit(frameEvent(type, connId, peer.id, raw));
  }

  private emit(event: NodeEvent): void {
    if (!this.stopped) this.options.onEvent(event); // a crashed server says nothing more
  }
}
