// A server's link to its bootstrap server: the first join, dialled with backoff while the
// bootstrap server is not up yet, and (with `reconnect`) the re-join after that link is lost,
// backing off further while re-joins fail to register.
import type net from 'node:net';

import { dial, dialHost } from './dial.ts';
import type { ServerNodeOptions } from './server-node-options.ts';

/** The re-join backoff after a lost bootstrap link: from this, doubling while tries fail to register, up to the max (ms). */
const REJOIN_FIRST_MS = 25;
const REJOIN_MAX_MS = 500;

export interface BootstrapHooks {
  /** Take a dialled socket as an outbound connection; returns its connection id. */
  attach(socket: net.Socket): number;
  stopped(): boolean;
  log(line: string): void;
}

export class BootstrapLink {
  /** The bootstrap link's connection id, while it is open. */
  conn: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private joinTarget: { host: string; port: number } | undefined;
  /** The bootstrap link's peer registered: a join that worked, so the next re-join starts from the shortest delay. */
  private bootstrapJoined = false;
  private rejoinDelay = REJOIN_FIRST_MS;
  /** What the bootstrap's host name resolved to, looked up once (see dialHost). */
  private joinHost: { name: string; dial: string } | undefined;

  constructor(private readonly options: ServerNodeOptions, private readonly hooks: BootstrapHooks) {}

  /**
   * Dial the bootstrap server, retrying with exponential backoff (25 ms doubling to 1 s)
   * while it is not up yet, until the deadline.
   */
  async join(target: { host: string; port: number }, deadlineMs = this.options.joinDeadlineMs ?? 10_000): Promise<void> {
    this.joinTarget = target;
    const giveUpAt = Date.now() + deadlineMs;
    if (this.joinHost?.name !== target.host) this.joinHost = { name: target.host, dial: await dialHost(target.host, (l) => this.hooks.log(l)) };
    const host = this.joinHost.dial;
    let delay = 25;
    for (;;) {
      if (this.hooks.stopped()) throw new Error(`server ${this.options.id} stopped while joining ${target.host}:${target.port}`);
      let lastError: string;
      try {
        const socket = await dial(host, target.port);
        this.bootstrapJoined = false;
        this.conn = this.hooks.attach(socket);
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        throw new Error(`server ${this.options.id} (${this.options.name}) could not join ${target.host}:${target.port} within ${deadlineMs} ms: ${lastError}`);
      }
      // Sleep no further than the deadline, so the last try happens right at it.
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** Connection `conn`'s peer registered: on the bootstrap link, a join that worked. */
  registered(conn: number): void {
    if (conn === this.conn) this.bootstrapJoined = true;
  }

  /** Connection `conn` closed: when it is the bootstrap link, re-join (with `reconnect`). */
  closed(conn: number): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    if (this.options.reconnect && this.joinTarget && !this.hooks.stopped()) this.scheduleRejoin();
  }

  stop(): void {
    clearTimeout(this.reconnectTimer);
  }

  private scheduleRejoin(): void {
    const target = this.joinTarget!;
    // A link that never registered (e.g. a proxy whose far side is down accepts, then closes)
    // backs off further each time; after one that did (a join that worked), it starts again
    // from the shortest delay, however short-lived that link was.
    this.rejoinDelay = this.bootstrapJoined ? REJOIN_FIRST_MS : Math.min(this.rejoinDelay * 2, REJOIN_MAX_MS);
    this.hooks.log(`re-joining ${target.host}:${target.port} in ${this.rejoinDelay} ms (${this.bootstrapJoined ? 'after a link that had registered' : 'the last try did not register'})`);
    this.bootstrapJoined = false;
    this.reconnectTimer = setTimeout(() => {
      this.join(target, this.options.joinDeadlineMs ?? 60_000).catch((err: Error) => {
        if (!this.hooks.stopped()) this.hooks.log(`re-join failed: ${err.message}`);
      });
    }, this.rejoinDelay);
  }
}
