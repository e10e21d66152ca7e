// Sans-I/O CRC server: routing state and every rule of PROTOCOL.md, with no sockets inside.
// The driver tells it about connections (opened / received / closed) and carries out the
// effects it returns: bytes to send on a connection, connections to close, events to report.
import {
  type ClientQuitMessage,
  type Message,
  MessageType,
  type RegistrationMessage,
  type ServerQuitMessage,
  StatusCode,
  encode,
  withLastHop,
} from '../protocol/index.ts';
import type { ConnId, CoreEvent, Effect, ForgetReason, HostKind } from './effects.ts';

export interface HostRecord {
  id: number;
  kind: HostKind;
  name: string;
  info: string;
  /** The adjacent host that is the next hop toward this one (its own id when adjacent). */
  firstLinkId: number;
}

export interface ServerIdentity {
  id: number;
  name: string;
  info: string;
}

/** What a connection is, as far as the protocol knows. */
type Peer =
  | { role: 'pending'; outbound: boolean }
  | { role: 'server'; id: number; outbound: boolean }
  | { role: 'client'; id: number };

export const duplicateServerText = (id: number) => `A machine has already registered with ID ${id}`;
export const duplicateClientText = (id: number) => `Someone has already registered with ID ${id}`;
export const welcomeText = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;
export const unknownIdText = (id: number) => `Unknown ID ${id}`;

export class ServerCore {
  readonly id: number;
  readonly name: string;
  readonly info: string;
  /** Every other host this server knows, in the order it learned them. */
  private readonly hosts = new Map<number, HostRecord>();
  private readonly conns = new Map<ConnId, Peer>();
  /** Adjacent host id -> its connection. */
  private readonly links = new Map<number, ConnId>();
  private readonly adjacentServers = new Set<number>();
  private readonly adjacentUsers = new Set<number>();
  private readonly statusLog: string[] = [];
  /**
   * Links this server dialled whose peer has not announced itself yet. Our registration is
   * already the first frame on them, so anything relayed after it is attributed correctly;
   * relaying over them closes the window where a host learned while a join is in progress
   * would never cross the new link.
   */
  private readonly dialling = new Set<ConnId>();
  private out: Effect[] = [];

  constructor(identity: ServerIdentity) {
    if (!Number.isInteger(identity.id) || identity.id <= 0 || identity.id > 0xffff_ffff) {
      throw new RangeError(`server id must be an integer from 1 to 4294967295, got ${identity.id}`);
    }
    this.id = identity.id;
    this.name = identity.name;
    this.info = identity.info;
    // Fail now, not on first use, if the name or info cannot be encoded.
    encode(this.ownRegistration(0));
  }

  // ---- connection events -------------------------------------------------------------

  /**
   * A connection was established. `outbound` = this server dialled it (its bootstrap link):
   * it announces itself with last_hop_id 0, as the course's servers do, followed by every
   * host it already knows (non-empty only when re-joining after a split), so both sides of a
   * healed link learn each other.
   */
  opened(conn: ConnId, outbound: boolean): Effect[] {
    this.conns.set(conn, { role: 'pending', outbound });
    if (outbound) {
      this.dialling.add(conn);
      this.send(conn, encode(this.ownRegistration(0)));
      for (const h of this.hosts.values()) this.send(conn, this.registrationFor(h));
    }
    return this.flush();
  }

  received(conn: ConnId, msg: Message): Effect[] {
    const peer = this.conns.get(conn);
    if (!peer) return this.flush(); // a late message for a connection already closed
    switch (msg.type) {
      case MessageType.ServerRegistration:
      case MessageType.ClientRegistration:
        this.onRegistration(conn, peer, msg);
        break;
      case MessageType.Status:
        this.onStatus(conn, peer, msg.sourceId, msg.destinationId, msg.statusCode, msg.content, msg);
        break;
      case MessageType.ClientChat:
        this.onChat(conn, peer, msg.sourceId, msg.destinationId, msg);
        break;
      case MessageType.ClientQuit:
        this.onClientQuit(conn, peer, msg);
        break;
      case MessageType.ServerQuit:
        this.onServerQuit(conn, peer, msg);
        break;
    }
    return this.flush();
  }

  /**
   * A connection is gone (closed by the peer, reset, or cut by the driver). A client that
   * left without a quit is treated as if it had sent one; a lost server link is a netsplit:
   * forget every host behind it and tell the rest of this side.
   */
  closed(conn: ConnId): Effect[] {
    const peer = this.conns.get(conn);
    this.conns.delete(conn);
    this.dialling.delete(conn);
    if (!peer || peer.role === 'pending') return this.flush();
    if (this.links.get(peer.id) !== conn) return this.flush();
    if (peer.role === 'client') {
      if (this.hosts.get(peer.id)?.kind === 'client') {
        const quit = encode({ type: MessageType.ClientQuit, sourceId: peer.id, content: '' });
        this.broadcast(quit, conn, true);
        this.forget(peer.id, 'disconnect');
      }
      return this.flush();
    }
    // Netsplit: everything whose next hop was this server is unreachable now.
    const lost = [...this.hosts.values()].filter((h) => h.firstLinkId === peer.id);
    for (const h of lost) this.forget(h.id, 'netsplit');
    this.event({ type: 'link-down', conn, peerId: peer.id, kind: 'server', lost: lost.length });
    for (const h of lost) {
      if (h.kind === 'client') {
        this.broadcast(encode({ type: MessageType.ClientQuit, sourceId: h.id, content: '' }), conn, true);
      } else {
        const content = `netsplit ${this.id} ${peer.id}`;
        this.broadcast(encode({ type: MessageType.ServerQuit, sourceId: h.id, replacementId: 0, content }), conn, false);
      }
    }
    return this.flush();
  }

  // ---- views -------------------------------------------------------------------------

  knownHosts(): HostRecord[] {
    return [...this.hosts.values()].map((h) => ({ ...h }));
  }
  host(id: number): HostRecord | undefined {
    const h = this.hosts.get(id);
    return h && { ...h };
  }
  hostIds(): number[] {
    return [...this.hosts.keys()];
  }
  get hostCount(): number {
    return this.hosts.size;
  }
  adjacentServerIds(): number[] {
    return [...this.adjacentServers];
  }
  adjacentUserIds(): number[] {
    return [...this.adjacentUsers];
  }
  statusUpdates(): string[] {
    return [...this.statusLog];
  }
  /** The connection this server would send on to reach `id`, if any. */
  routeTo(id: number): ConnId | undefined {
    const h = this.hosts.get(id);
    return h === undefined ? undefined : this.links.get(h.firstLinkId);
  }
  peerOf(conn: ConnId): { kind: HostKind; id: number } | undefined {
    const p = this.conns.get(conn);
    if (!p || p.role === 'pending') return undefined;
    return { kind: p.role, id: p.id };
  }

  // ---- message rules -----------------------------------------------------------------

  private onRegistration(conn: ConnId, peer: Peer, msg: RegistrationMessage): void {
    const kind: HostKind = msg.type === MessageType.ServerRegistration ? 'server' : 'client';
    const src = msg.sourceId;
    // last_hop_id 0: the host itself, on the connection it opened. last_hop_id == source: a
    // server announcing itself to a new neighbour. Either way the sender is adjacent.
    const adjacent = msg.lastHopId === 0 || msg.lastHopId === src;
    if (src === 0) return this.reject(conn, `${kind} registration for the reserved id 0`);
    if (peer.role === 'client') return this.reject(conn, `client ${peer.id} sent a ${kind} registration for ${src}`);
    if (peer.role === 'pending' && !adjacent) {
      return this.reject(conn, `relayed ${kind} registration for ${src} (last hop ${msg.lastHopId}) on a connection that has not registered`);
    }
    if (peer.role === 'server' && adjacent) {
      return this.reject(conn, `server ${peer.id} sent a registration claiming ${src} is its own connection`);
    }
    if (src === this.id || this.hosts.has(src)) {
      const text = kind === 'server' ? duplicateServerText(src) : duplicateClientText(src);
      this.send(conn, encode({ type: MessageType.Status, sourceId: this.id, destinationId: 0, statusCode: StatusCode.DuplicateId, content: text }));
      this.event({ type: 'duplicate-id', id: src, kind });
      return;
    }
    const record: HostRecord = {
      id: src, kind, name: msg.name, info: msg.info,
      firstLinkId: adjacent ? src : (peer as { id: number }).id,
    };
    this.hosts.set(src, record);
    this.event({ type: 'host-learned', id: src, kind, name: msg.name, firstLinkId: record.firstLinkId });
    if (adjacent) {
      this.dialling.delete(conn);
      if (kind === 'server') {
        this.conns.set(conn, { role: 'server', id: src, outbound: peer.role === 'pending' && peer.outbound });
        this.adjacentServers.add(src);
      } else {
        this.conns.set(conn, { role: 'client', id: src });
        this.adjacentUsers.add(src);
      }
      this.links.set(src, conn);
      this.event({ type: 'link-up', conn, peerId: src, kind });
    }
    const relayed = msg.raw ? withLastHop(msg.raw, this.id) : encode({ ...msg, lastHopId: this.id });
    if (adjacent && msg.lastHopId === 0) {
      if (kind === 'server') {
        // Seed the newcomer: this server first, then every other host it knows.
        this.send(conn, encode(this.ownRegistration(this.id)));
        for (const h of this.hosts.values()) if (h.id !== src) this.send(conn, this.registrationFor(h));
      } else {
        this.send(conn, encode({ type: MessageType.Status, sourceId: this.id, destinationId: 0, statusCode: StatusCode.Welcome, content: welcomeText(msg.name) }));
        for (const h of this.hosts.values()) if (h.kind === 'client' && h.id !== src) this.send(conn, this.registrationFor(h));
      }
    }
    this.broadcast(relayed, conn, kind === 'client');
  }

  private onStatus(conn: ConnId, peer: Peer, src: number, dest: number, code: number, content: string, msg: Message): void {
    if (dest === 0 || dest === this.id) {
      // For this server. Accepted even before the link registered: that is how a server
      // that joined with a duplicate id hears why it was refused.
      if (peer.role === 'pending' && code === StatusCode.DuplicateId) this.dialling.delete(conn);
      this.statusLog.push(content);
      this.event({ type: 'status-logged', from: src, code, content });
      return;
    }
    if (!this.belongs(conn, peer, src)) return this.reject(conn, `status from ${src} does not come from behind this connection`);
    const via = this.routeTo(dest);
    if (via === undefined || via === conn) {
      this.event({ type: 'unknown-destination', from: src, to: dest });
      return;
    }
    this.send(via, msg.raw ?? encode(msg));
  }

  private onChat(conn: ConnId, peer: Peer, src: number, dest: number, msg: Message): void {
    if (!this.belongs(conn, peer, src)) return this.reject(conn, `chat from ${src} does not come from behind this connection`);
    const via = this.routeTo(dest);
    if (via !== undefined && via !== conn) {
      this.send(via, msg.raw ?? encode(msg));
      return;
    }
    // Unknown destination: tell the sender. The course addresses the reply to 0, which only
    // works when the sender is adjacent; a non-adjacent sender's server would swallow it.
    const to = this.links.get(src) === conn ? 0 : src;
    this.event({ type: 'unknown-destination', from: src, to: dest });
    this.send(conn, encode({ type: MessageType.Status, sourceId: this.id, destinationId: to, statusCode: StatusCode.UnknownId, content: unknownIdText(dest) }));
  }

  private onClientQuit(conn: ConnId, peer: Peer, msg: ClientQuitMessage): void {
    const h = this.hosts.get(msg.sourceId);
    if (!h || h.kind !== 'client') return; // unknown: this is what stops a quit from looping
    if (!this.belongs(conn, peer, msg.sourceId)) return this.reject(conn, `quit for ${msg.sourceId} does not come from behind this connection`);
    this.broadcast(msg.raw ?? encode(msg), conn, true);
    this.forget(msg.sourceId, 'quit');
    if (peer.role === 'client' && peer.id === msg.sourceId) this.conns.set(conn, { role: 'pending', outbound: false });
  }

  private onServerQuit(conn: ConnId, peer: Peer, msg: ServerQuitMessage): void {
    const h = this.hosts.get(msg.sourceId);
    if (!h || h.kind !== 'server') return;
    if (!this.belongs(conn, peer, msg.sourceId)) return this.reject(conn, `server quit for ${msg.sourceId} does not come from behind this connection`);
    this.broadcast(msg.raw ?? encode(msg), conn, false);
    this.forget(msg.sourceId, 'server-quit');
  }

  // ---- helpers -----------------------------------------------------------------------

  /** Is `src` a host whose traffic should arrive over this connection? */
  private belongs(conn: ConnId, peer: Peer, src: number): boolean {
    if (peer.role === 'client') return peer.id === src;
    if (peer.role === 'pending') return false;
    return this.hosts.get(src)?.firstLinkId === peer.id && this.links.get(peer.id) === conn;
  }

  /** Send to every adjacent server (and client, if `toClients`) except over `except`. */
  private broadcast(data: Buffer, except: ConnId, toClients: boolean): void {
    for (const id of this.adjacentServers) {
      const c = this.links.get(id)!;
      if (c !== except) this.send(c, data);
    }
    for (const c of this.dialling) if (c !== except) this.send(c, data);
    if (!toClients) return;
    for (const id of this.adjacentUsers) {
      const c = this.links.get(id)!;
      if (c !== except) this.send(c, data);
    }
  }

  private forget(id: number, reason: ForgetReason): void {
    const h = this.hosts.get(id);
    if (!h) return;
    this.hosts.delete(id);
    this.adjacentServers.delete(id);
    this.adjacentUsers.delete(id);
    this.links.delete(id);
    this.event({ type: 'host-forgotten', id, kind: h.kind, reason });
  }

  private ownRegistration(lastHopId: number): RegistrationMessage {
    return { type: MessageType.ServerRegistration, sourceId: this.id, lastHopId, name: this.name, info: this.info };
  }

  private registrationFor(h: HostRecord): Buffer {
    const type = h.kind === 'server' ? MessageType.ServerRegistration : MessageType.ClientRegistration;
    return encode({ type, sourceId: h.id, lastHopId: this.id, name: h.name, info: h.info });
  }

  private reject(conn: ConnId, reason: string): void {
    this.event({ type: 'protocol-error', conn, reason });
  }

  private send(conn: ConnId, data: Buffer): void {
    this.out.push({ kind: 'send', conn, data });
  }

  private event(event: CoreEvent): void {
    this.out.push({ kind: 'event', event });
  }

  private flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
