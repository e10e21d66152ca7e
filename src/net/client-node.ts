// A CRC client over TCP: one connection to its server, driving a ClientCore; optionally
// re-dialled (with backoff) when it drops unasked, registering again with the same id.
import type net from 'node:net';
import { type ClientEffect, ClientCore, applyClientEffects } from '../core/index.ts';
import type { Limits } from '../protocol/index.ts';
import { FramedConnection } from './connection.ts';
import { TrafficCounters } from './counters.ts';
import { nowMs } from '../util/clock.ts';
import { dial, dialHost } from './dial.ts';
import type { NodeEvent } from './events.ts';

export interface ClientNodeOptions {
  id: number;
  name: string;
  info: string;
  serverHost?: string;
  serverPort: number;
  limits?: Partial<Limits>;
  maxQueueBytes?: number;
  /** How long to keep retrying the server before giving up (ms); 0 = one try. */
  connectDeadlineMs?: number;
  /**
   * Re-dial the server (25 ms doubling to 1 s) when the connection drops without a quit() or
   * disconnect(), and register again with the same id; the logs are kept.
   */
  reconnect?: boolean;
  /** How long to keep re-dialling once the connection is lost (ms; default 60 s). */
  reconnectDeadlineMs?: number;
  /** It stopped re-dialling: the deadline passed. */
  onGiveUp?: (reason: string) => void;
  log?: (line: string) => void;
  onEvent?: (event: NodeEvent, t: number) => void;
}

export interface ClientState {
  id: number;
  name: string;
  connected: boolean;
  connectedUserIds: number[];
  statusLog: string[];
  chatLog: string[];
}

export const DEFAULT_RECONNECT_DEADLINE_MS = 60_000;

export class CrcClientNode {
  readonly core: ClientCore;
  readonly counters = new TrafficCounters();
  private conn: FramedConnection | undefined;
  private closedWaiters: Array<() => void> = [];
  /** The server's address, looked up once. */
  private address: string | undefined;
  /** Set by quit() and disconnect(): a close asked for is not re-dialled. */
  private leaving = false;
  private redialTimer: NodeJS.Timeout | undefined;
  private redialDelay = 25;
  /** When the last connection that reached the server dropped: the re-dial deadline counts from it. */
  private lostAt = 0;
  /** The current connection delivered a frame (so it reached a server, not a refusing proxy). */
  private heard = false;
  /** When the registration was handed to the socket (ms since epoch, this thread's clock). */
  registeredAt = 0;
  /** When the quit was handed to the socket. */
  quitSentAt = 0;

  constructor(readonly options: ClientNodeOptions) {
    this.core = new ClientCore({ id: options.id, name: options.name, info: options.info }, { closeOnDuplicate: options.reconnect === true });
  }

  get id(): number {
    return this.options.id;
  }

  /** Connect and register. Resolves once the registration is queued on the socket. */
  async connect(): Promise<void> {
    const host = this.options.serverHost ?? '127.0.0.1';
    this.leaving = false;
    this.address ??= await dialHost(host, (l) => this.log(l));
    const deadline = Date.now() + (this.options.connectDeadlineMs ?? 0);
    let delay = 25;
    let socket: net.Socket;
    for (;;) {
      try {
        socket = await dial(this.address, this.options.serverPort);
        break;
      } catch (err) {
        if (Date.now() + delay > deadline) {
          throw new Error(`client ${this.id} (${this.options.name}) cannot reach server ${host}:${this.options.serverPort}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 1000);
      }
    }
    this.attach(socket);
  }

  /** Run the protocol on a connected socket: register, and from now on handle what arrives. */
  private attach(socket: net.Socket): void {
    this.heard = false;
    this.conn = new FramedConnection(0, socket, true, {
      onMessages: (_c, msgs) => {
        this.heard = true;
        for (const m of msgs) this.apply(this.core.received(m));
      },
      onDecodeError: (_c, err) => {
        this.log(`bad frame from server: ${err.message}`);
        this.emit({ type: 'decode-error', conn: 0, code: err.code, value: err.value, message: err.message });
      },
      onClose: (_c, reason) => {
        this.core.closed();
        // A refused registration did not reach a server that serves us: the backoff goes on.
        if (this.core.registrationRefused) this.heard = false;
        this.log(`connection closed: ${reason}`);
        this.emit({ type: 'conn-closed', conn: 0, reason });
        for (const w of this.closedWaiters.splice(0)) w();
        if (this.options.reconnect && !this.leaving) this.scheduleRedial();
      },
    }, { limits: this.options.limits, maxQueueBytes: this.options.maxQueueBytes, counters: this.counters });
    this.emit({ type: 'conn-opened', conn: 0, remote: this.conn.remote, outbound: true });
    this.apply(this.core.opened());
    // Out now, not at the end of this turn. Stamped just before the write: the thread may be
    // preempted right after it, and a stamp taken then could postdate the peer's handling.
    this.registeredAt = nowMs();
    this.conn.flush();
  }

  chat(destinationId: number, content: string): void {
    this.apply(this.core.chat(destinationId, content));
  }

  /** Send a quit and close (for good: no re-dial); resolves when the connection is closed. */
  quit(content = ''): Promise<void> {
    this.stopRedialling();
    const closed = this.whenClosed();
    const effects = this.core.quit(content);
    // Hand the quit to the socket now (before the close), and note when it left.
    for (const e of effects) if (e.kind === 'send') this.conn?.send(e.data);
    this.quitSentAt = nowMs(); // just before the write, as for registeredAt
    this.conn?.flush();
    this.apply(effects.filter((e) => e.kind !== 'send'));
    return closed;
  }

  /** Drop the connection abruptly, without a quit (and no re-dial). */
  disconnect(): Promise<void> {
    this.stopRedialling();
    const closed = this.whenClosed();
    this.conn?.destroy('disconnected by user');
    return closed;
  }

  state(): ClientState {
    return {
      id: this.core.id,
      name: this.core.name,
      connected: this.core.connected,
      connectedUserIds: this.core.connectedUserIds(),
      statusLog: this.core.statusUpdates(),
      chatLog: this.core.chatMessages(),
    };
  }

  pendingBytes(): number {
    return this.conn?.pendingBytes ?? 0;
  }

  /** Re-dial after the backoff, unless the deadline since the connection was lost has passed. */
  private scheduleRedial(): void {
    const now = Date.now();
    if (this.heard || this.lostAt === 0) {
      // It had reached a server: a new outage, whose deadline starts now.
      this.heard = false;
      this.lostAt = now;
      this.redialDelay = 25;
      this.log(`re-dialling ${this.serverAddress}`);
    }
    const deadline = this.options.reconnectDeadlineMs ?? DEFAULT_RECONNECT_DEADLINE_MS;
    if (now - this.lostAt > deadline) {
      const why = `no server at ${this.serverAddress} for ${deadline} ms: giving up`;
      this.log(why);
      this.options.onGiveUp?.(why);
      return;
    }
    this.redialTimer = setTimeout(() => void this.redial(), this.redialDelay);
    this.redialDelay = Math.min(this.redialDelay * 2, 1000);
  }

  private async redial(): Promise<void> {
    let socket: net.Socket;
    try {
      socket = await dial(this.address!, this.options.serverPort);
    } catch {
      if (!this.leaving) this.scheduleRedial();
      return;
    }
    if (this.leaving) socket.destroy();
    else this.attach(socket);
  }

  private get serverAddress(): string {
    return `${this.options.serverHost ?? '127.0.0.1'}:${this.options.serverPort}`;
  }

  private stopRedialling(): void {
    this.leaving = true;
    clearTimeout(this.redialTimer);
  }

  private whenClosed(): Promise<void> {
    if (!this.conn || !this.conn.isOpen) return Promise.resolve();
    return new Promise((r) => this.closedWaiters.push(r));
  }

  private apply(effects: ClientEffect[]): void {
    applyClientEffects(effects, this.conn, (e) => this.emit(e));
  }

  private emit(event: NodeEvent): void {
    this.options.onEvent?.(event, nowMs());
  }

  private log(line: string): void {
    this.options.log?.(`[${this.options.name}#${this.options.id}] ${line}`);
  }
}
