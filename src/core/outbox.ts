// The effects a ServerCore collects while it handles one input, and the relay fan-out: the
// core pushes here and hands the batch to its driver when it is done.
import type { Departures } from './bursts.ts';
import type { ConnId, CoreEvent, Effect } from './effects.ts';
import type { HostTable } from './host-table.ts';

export class Outbox {
  private out: Effect[] = [];

  constructor(
    private readonly hosts: HostTable,
    /** Outbound links whose peer has not registered yet: relays go there too. */
    private readonly dialling: ReadonlySet<ConnId>,
    /** Hand bursts over as lazy 'stream' effects (else as one 'send' per frame, in the same order). */
    private readonly streamBursts: boolean,
  ) {}

  send(conn: ConnId, data: Buffer): void {
    this.out.push({ kind: 'send', conn, data });
  }

  /** A burst for one connection. */
  stream(conn: ConnId, frames: Iterable<Buffer>): void {
    if (this.streamBursts) this.out.push({ kind: 'stream', conn, frames });
    else for (const f of frames) this.send(conn, f);
  }

  event(event: CoreEvent): void {
    this.out.push({ kind: 'event', event });
  }

  close(conn: ConnId, reason: string, abort = false): void {
    this.out.push(abort ? { kind: 'close', conn, reason, abort } : { kind: 'close', conn, reason });
  }

  /** Send to every adjacent server (and client, if `toClients`) except over `except`. */
  broadcast(data: Buffer, except: ConnId, toClients: boolean): void {
    for (const id of this.hosts.adjacentServers) {
      const c = this.hosts.linkOf(id)!;
      if (c !== except) this.send(c, data);
    }
    for (const c of this.dialling) if (c !== except) this.send(c, data);
    if (!toClients) return;
    for (const id of this.hosts.adjacentUsers) {
      const c = this.hosts.linkOf(id)!;
      if (c !== except) this.send(c, data);
    }
  }

  /** A netsplit's departures to every adjacent server, and the clients' to adjacent clients, except over `except`. */
  broadcastDepartures(d: Departures, except: ConnId): void {
    if (!this.streamBursts) {
      for (let i = 0; i < d.lost.length; i++) this.broadcast(d.frame(i), except, d.isClient(i));
      return;
    }
    for (const id of this.hosts.adjacentServers) {
      const c = this.hosts.linkOf(id)!;
      if (c !== except) this.stream(c, d.read(false));
    }
    for (const c of this.dialling) if (c !== except) this.stream(c, d.read(false));
    if (!d.anyClient) return;
    for (const id of this.hosts.adjacentUsers) {
      const c = this.hosts.linkOf(id)!;
      if (c !== except) this.stream(c, d.read(true));
    }
  }

  /** Everything collected since the last flush, in order. */
  flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
