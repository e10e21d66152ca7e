// A CRC client in the sim: a ClientCore on one sim connection, doing what net/client-node.ts
// does around its core, on the sim's clock: register on connect; when the connection drops
// unasked, re-dial (25 ms doubling to 1 s) and register again with the same id, until 60 s
// after the last connection that reached a server; quit and disconnect stop that.
import { type ClientEffect, ClientCore, applyClientEffects } from '../core/index.ts';
import { DEFAULT_MAX_QUEUE_BYTES } from '../net/connection.ts';
import { DEFAULT_RECONNECT_DEADLINE_MS } from '../net/client-node.ts';
import type { ClientState } from '../net/client-node.ts';
import type { NodeEvent } from '../net/events.ts';
import type { Clock, ClockTimer } from '../util/clock.ts';
import { SimConnection } from './connection.ts';
import type { SimPorts } from './ports.ts';
import type { SimStream } from './stream.ts';

const REDIAL_FIRST_MS = 25;
const REDIAL_MAX_MS = 1000;

export interface SimClientOptions {
  id: number;
  name: string;
  info: string;
  serverPort: number;
  reconnect: boolean;
  onEvent: (event: NodeEvent) => void;
}

export class SimClient {
  readonly core: ClientCore;
  private conn: SimConnection | undefined;
  private leaving = false;
  private heard = false;
  private lostAt = 0;
  private redialDelay = REDIAL_FIRST_MS;
  private redialTimer: ClockTimer | undefined;

  constructor(readonly options: SimClientOptions, private readonly ports: SimPorts, private readonly clock: Clock) {
    this.core = new ClientCore({ id: options.id, name: options.name, info: options.info }, { closeOnDuplicate: options.reconnect === true });
  }

  get id(): number {
    return this.options.id;
  }

  /** Connect and register; resolves with when the registration left. */
  connect(): number {
    this.leaving = false;
    const end = this.ports.dial(this.options.serverPort, this.options.name);
    if (!end) throw new Error(`client ${this.id} (${this.options.name}) cannot reach port ${this.options.serverPort}: connection refused`);
    this.attach(end);
    return this.clock.now();
  }

  private attach(end: SimStream): void {
    this.heard = false;
    this.conn = new SimConnection(0, end, true, {
      onMessages: (_c, msgs) => {
        this.heard = true;
        for (const m of msgs) this.apply(this.core.received(m));
      },
      onDecodeError: (_c, err) => this.emit({ type: 'decode-error', conn: 0, code: err.code, value: err.value, message: err.message }),
      onClose: (_c, reason) => {
        this.core.closed();
        if (this.core.registrationRefused) this.heard = false; // the backoff goes on
        this.emit({ type: 'conn-closed', conn: 0, reason });
        if (this.options.reconnect && !this.leaving) this.scheduleRedial();
      },
    }, DEFAULT_MAX_QUEUE_BYTES);
    this.emit({ type: 'conn-opened', conn: 0, remote: 'sim', outbound: true });
    this.apply(this.core.opened());
  }

  chat(to: number, text: string): void {
    this.apply(this.core.chat(to, text));
  }

  /** Send a quit and close, for good; resolves with when the quit left. */
  quit(text: string): number {
    this.stopRedialling();
    this.apply(this.core.quit(text));
    return this.clock.now();
  }

  /** Drop the connection without a quit (no re-dial); resolves with when it was cut. */
  disconnect(): number {
    this.stopRedialling();
    this.conn?.destroy('disconnected by user');
    return this.clock.now();
  }

  /** The client's host went away (its server crashed is not this: a crash of the client itself). */
  stop(): void {
    this.stopRedialling();
    this.conn?.destroy('stopped');
  }

  state(): ClientState {
    return {
      id: this.core.id, name: this.core.name, connected: this.core.connected,
      connectedUserIds: this.core.connectedUserIds(), statusLog: this.core.statusUpdates(), chatLog: this.core.chatMessages(),
    };
  }

  pendingBytes(): number {
    return this.conn?.pendingBytes ?? 0;
  }

  private scheduleRedial(): void {
    const now = this.clock.now();
    if (this.heard || this.lostAt === 0) {
      this.heard = false;
      this.lostAt = now;
      this.redialDelay = REDIAL_FIRST_MS;
    }
    if (now - this.lostAt > DEFAULT_RECONNECT_DEADLINE_MS) return;
    this.redialTimer = this.clock.at(now + this.redialDelay, () => {
      this.redialTimer = undefined;
      if (this.leaving) return;
      const end = this.ports.dial(this.options.serverPort, this.options.name);
      if (end) this.attach(end);
      else this.scheduleRedial();
    });
    this.redialDelay = Math.min(this.redialDelay * 2, REDIAL_MAX_MS);
  }

  private stopRedialling(): void {
    this.leaving = true;
    this.clock.cancel(this.redialTimer);
    this.redialTimer = undefined;
  }

  private apply(effects: ClientEffect[]): void {
    applyClientEffects(effects, this.conn, (e) => this.emit(e));
  }

  private emit(event: NodeEvent): void {
    this.options.onEvent(event);
  }
}
