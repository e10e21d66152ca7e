// Sans-I/O CRC server: routing state and every rule of PROTOCOL.md, with no sockets inside.
// The driver tells it about connections (opened / received / closed) and carries out the
// effects it returns: bytes to send on a connection, connections to close, events to report.
// Who is believed is decided by trust-policy.ts; the table itself is host-table.ts; when a
// silent server link is pinged or declared dead, liveness.ts (driven by tick()).
import {
  type ClientChatMessage,
  type ClientQuitMessage,
  type Message,
  MessageType,
  type RegistrationMessage,
  type ServerQuitMessage,
  type StatusMessage,
  StatusCode,
  chatFrameTextIsUtf8,
  chatTextIsUtf8,
  encode,
  withLastHop,
} from '../protocol/index.ts';
import { Departures, registrations } from './bursts.ts';
import type { ConnId, Effect, ForgetReason, HostKind } from './effects.ts';
import { type HostRecord, HostTable } from './host-table.ts';
import { Outbox } from './outbox.ts';
import {
  departureFrame, duplicateClientText, duplicateServerText, hostLimitText, registrationFrame, statusFrame, unknownIdText, welcomeText,
} from './server-frames.ts';
import { type LivenessSettings, Liveness, PING_TEXT, PONG_TEXT, isHeartbeat, pingFrame } from './liveness.ts';
import { JoinProof } from './join-proof.ts';
import { HOST_LIMIT_STATUS, type ResolvedServerOptions, type RuleCounters, type ServerCoreOptions, resolveServerOptions } from './server-options.ts';
import { StatusRing } from './status-log.ts';
import { type Peer, isOwnServerQuit, judgeRegistration, mustCheckChatTextTo, sourceBelongs, whyNotLogStatus } from './trust-policy.ts';

export type { HostRecord } from './host-table.ts';
export { duplicateClientText, duplicateServerText, hostLimitText, unknownIdText, welcomeText } from './server-frames.ts';

export interface ServerIdentity {
  id: number;
  name: string;
  info: string;
}

export class ServerCore {
  readonly id: number;
  readonly name: string;
  readonly info: string;
  readonly counters: RuleCounters = {
    statusesRejected: 0, chatsInvalidUtf8: 0, loopsBroken: 0, registrationsRefused: 0, echoesIgnored: 0, repeatsIgnored: 0,
  };
  private readonly options: ResolvedServerOptions;
  private readonly liveness: Liveness;
  /** Every other host this server knows, in the order it learned them. */
  private readonly hosts = new HostTable();
  private readonly conns = new Map<ConnId, Peer>();
  private readonly statusLog: StatusRing;
  /** Set while the host table is full, so the limit is reported once per episode. */
  private tableFull = false;
  /**
   * Links this server dialled whose peer has not announced itself yet. Our registration is
   * already the first frame on them, so anything relayed after it is attributed correctly;
   * relaying over them closes the window where a host learned while a join is in progress
   * would never cross the new link.
   */
  private readonly dialling = new Set<ConnId>();
  private readonly out: Outbox;
  /** Joiners not announced to the rest of the network until their link is proven both ways. */
  private readonly proof = new JoinProof();

  constructor(identity: ServerIdentity, options: ServerCoreOptions = {}) {
    if (!Number.isInteger(identity.id) || identity.id <= 0 || identity.id > 0xffff_ffff) {
      throw new RangeError(`server id must be an integer from 1 to 4294967295, got ${identity.id}`);
    }
    this.id = identity.id;
    this.name = identity.name;
    this.info = identity.info;
    this.options = resolveServerOptions(options);
    this.out = new Outbox(this.hosts, this.dialling, this.options.streamBursts);
    this.statusLog = new StatusRing(this.options.statusLogSize);
    this.liveness = new Liveness(this.options.liveness);
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
    this.conns.set(conn, { role: 'pending', outbound, life: outbound ? this.liveness.dialled(conn) : undefined });
    if (outbound) {
      this.dialling.add(conn);
      this.out.send(conn, encode(this.ownRegistration(0)));
      // The first ping rides with the registration.
      if (this.liveness.enabled) this.out.send(conn, pingFrame());
      if (this.hosts.size > 0) this.out.stream(conn, registrations(this.hosts.knownNow(), this.id, (h) => this.announced(h.id)));
    }
    return this.flush();
  }

  received(conn: ConnId, msg: Message): Effect[] {
    const peer = this.conns.get(conn);
    if (!peer) return this.flush(); // a late message for a connection closed or being closed
    if (peer.life) peer.life.heard = true; // any frame is life
    // A held joiner's first frame that is no heartbeat: it has no liveness to prove its link with.
    if (this.proof.size > 0 && !(msg.type === MessageType.ClientQuit && isHeartbeat(msg)) && this.proof.settle(conn)) this.announce(conn);
    switch (msg.type) {
      case MessageType.ServerRegistration:
      case MessageType.ClientRegistration:
        this.onRegistration(conn, peer, msg);
        break;
      case MessageType.Status:
        this.onStatus(conn, peer, msg);
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
   * left without a quit is treated as if it had sent one; a lost server link is a netsplit.
   * With staticTree, as in the course reference, a closed socket is only a closed socket.
   */
  closed(conn: ConnId): Effect[] {
    const peer = this.conns.get(conn);
    this.conns.delete(conn);
    this.dialling.delete(conn);
    this.liveness.forget(conn);
    if (!peer || peer.role === 'pending') return this.flush();
    if (this.hosts.linkOf(peer.id) !== conn || this.options.staticTree) {
      this.proof.forget(conn);
      return this.flush();
    }
    if (peer.role === 'client') {
      const h = this.hosts.get(peer.id);
      if (h?.kind === 'client') {
        this.out.broadcast(departureFrame(h, ''), conn, true);
        this.forget(peer.id, 'disconnect');
      }
      return this.flush();
    }
    this.netsplit(conn, peer.id);
    return this.flush();
  }

  /**
   * The driver's sweep, every liveness interval: ping the server links idle for an interval,
   * close those silent past the timeout (a netsplit, reason 'ping timeout'), and give up on
   * dialled links whose peer did not register in time. `now` is in ms on any monotonic clock;
   * `lateMs`: how late the driver's timer ran this time (a late thread is not a dead peer).
   */
  tick(now: number, lateMs = 0): Effect[] {
    if (!this.liveness.enabled) return [];
    // A driver that does not report the end of its reads (readDone): joiners that sent no ping go now.
    if (this.proof.size > 0) for (const c of this.proof.unsettled()) if (this.proof.settle(c)) this.announce(c);
    for (const v of this.liveness.tick(now, lateMs)) {
      const { conn, peerId } = v.life;
      if (v.kind === 'ping') this.out.send(conn, pingFrame());
      else if (v.kind === 'no-liveness') this.out.event({ type: 'no-liveness', conn, peerId });
      else if (v.kind === 'dead') this.linkDead(conn, peerId, v.silentMs);
      else {
        this.conns.delete(conn);
        this.dialling.delete(conn);
        this.out.event({ type: 'link-dead', conn, peerId: 0, reason: 'join timeout', silentMs: v.silentMs });
        this.out.close(conn, 'join timeout', true);
      }
    }
    return this.flush();
  }

  /** Is a joiner waiting to be announced? (Only then does the driver need to call readDone.) */
  get joinsHeld(): boolean {
    return this.proof.size > 0;
  }

  /**
   * The driver handed over every frame of one read from `conn`: a joiner whose registration
   * came without a ping right behind it has no liveness and is announced now (join-proof.ts).
   */
  readDone(conn: ConnId): Effect[] {
    if (this.proof.settle(conn)) this.announce(conn);
    return this.flush();
  }

  /**
   * The driver held reads on `conn` since the last tick (back-pressure): whatever the peer sent
   * waits unread, so its silence proves nothing. Counts as hearing from it.
   */
  notReading(conn: ConnId): void {
    const peer = this.conns.get(conn);
    if (peer?.life) peer.life.heard = true;
  }

  // ---- views -------------------------------------------------------------------------

  knownHosts(): HostRecord[] {
    return [...this.hosts.values()].map(copyOf);
  }
  /** The records themselves, in the order learned: never changed, so no copies. */
  hostsSnapshot(): readonly HostRecord[] {
    return [...this.hosts.values()];
  }
  host(id: number): HostRecord | undefined {
    const h = this.hosts.get(id);
    return h && copyOf(h);
  }
  hostIds(): number[] {
    return this.hosts.ids();
  }
  get hostCount(): number {
    return this.hosts.size;
  }
  adjacentServerIds(): number[] {
    return [...this.hosts.adjacentServers];
  }
  adjacentUserIds(): number[] {
    return [...this.hosts.adjacentUsers];
  }
  /** The newest `limit` status log entries (all that are kept by default), oldest first. */
  statusUpdates(limit?: number): string[] {
    return this.statusLog.last(limit);
  }
  /** Status log entries pushed out of the ring to make room. */
  get statusLogDropped(): number {
    return this.statusLog.dropped;
  }
  get limits(): { maxHosts: number; statusLogSize: number } {
    return { maxHosts: this.options.maxHosts, statusLogSize: this.options.statusLogSize };
  }
  /** Deaths put off because this server's own thread ran late (liveness.ts). */
  get livenessDeferred(): number {
    return this.liveness.deferred;
  }
  /** Ping interval and timeout (ms); an interval of 0: no liveness. */
  get livenessSettings(): LivenessSettings {
    return { ...this.options.liveness };
  }
  /** The connection this server would send on to reach `id`, if any. */
  routeTo(id: number): ConnId | undefined {
    return this.hosts.routeTo(id);
  }
  peerOf(conn: ConnId): { kind: HostKind; id: number } | undefined {
    const p = this.conns.get(conn);
    if (!p || p.role === 'pending') return undefined;
    return { kind: p.role, id: p.id };
  }

  // ---- message rules -----------------------------------------------------------------

  private onRegistration(conn: ConnId, peer: Peer, msg: RegistrationMessage): void {
    const src = msg.sourceId;
    const v = judgeRegistration(this.id, this.hosts, peer, msg, this.options.maxHosts);
    switch (v.verdict) {
      case 'reject':
        return this.reject(conn, v.reason);
      case 'loop': {
        this.counters.loopsBroken++;
        // Keep the established link, cut the newer: a peer registered as one id on two
        // adjacent servers must lose its own link, not take the honest one between them.
        const known = this.hosts.hopOf(src);
        const arrival = (peer as { id: number }).id;
        if (known !== undefined && this.linkedAfter(known, arrival)) {
          const link = this.hosts.linkOf(known)!;
          this.reject(link, `${v.reason}; the link to server ${known} is the newer one: closed`);
          this.dropLink(link, known, v.reason);
          return this.onRegistration(conn, peer, msg); // judged again: src went with that link
        }
        this.reject(conn, v.reason);
        return this.dropLink(conn, arrival, v.reason);
      }
      case 'duplicate': {
        const text = v.kind === 'server' ? duplicateServerText(src) : duplicateClientText(src);
        this.out.send(conn, statusFrame(this.id, 0, StatusCode.DuplicateId, text));
        this.out.event({ type: 'duplicate-id', id: src, kind: v.kind });
        return;
      }
      case 'full':
        this.counters.registrationsRefused++;
        this.out.send(conn, statusFrame(this.id, 0, HOST_LIMIT_STATUS, hostLimitText(src, this.options.maxHosts)));
        if (!this.tableFull) {
          this.tableFull = true;
          this.out.event({ type: 'limit-reached', limit: 'max-hosts', value: this.options.maxHosts });
        }
        return;
      case 'echo':
        this.counters.echoesIgnored++;
        return;
      case 'repeat':
        this.counters.repeatsIgnored++;
        return;
      case 'accept':
        return this.learn(conn, peer, msg, v.kind, v.adjacent, v.seed);
    }
  }

  private learn(conn: ConnId, peer: Peer, msg: RegistrationMessage, kind: HostKind, adjacent: boolean, seed: boolean): void {
    const src = msg.sourceId;
    const record: HostRecord = {
      id: src, kind, name: msg.name, info: msg.info,
      firstLinkId: adjacent ? src : (peer as { id: number }).id,
    };
    this.hosts.add(record, adjacent ? conn : undefined);
    this.out.event({ type: 'host-learned', id: src, kind, name: msg.name, firstLinkId: record.firstLinkId });
    const life = adjacent && kind === 'server' ? this.liveness.registered(conn, src) : undefined;
    // The first ping goes with the seed, so the answer (or the peer's own ping) comes back with
    // the peer's first frames; a link we dialled had one with our registration already.
    const probe = life !== undefined && !(peer.role === 'pending' && peer.outbound);
    if (adjacent) {
      this.dialling.delete(conn);
      this.conns.set(conn, kind === 'server'
        ? { role: 'server', id: src, outbound: peer.role === 'pending' && peer.outbound, life }
        : { role: 'client', id: src });
      this.out.event({ type: 'link-up', conn, peerId: src, kind });
    }
    const relayed = msg.raw ? withLastHop(msg.raw, this.id) : encode({ ...msg, lastHopId: this.id });
    if (seed) {
      if (kind === 'server') {
        // Seed the newcomer: this server first (and the probe), then every other host it knows.
        // Our registration goes with last_hop 0, the one value all nine implementations in the
        // wild take as "the server I dialled is adjacent" (docs/protocol-notes.md); the rest as relayed.
        this.out.send(conn, encode(this.ownRegistration(0)));
        if (probe) this.out.send(conn, pingFrame());
        this.out.stream(conn, registrations(this.hosts.knownNow(), this.id, (h) => h.id !== src && this.announced(h.id)));
      } else {
        this.out.send(conn, statusFrame(this.id, 0, StatusCode.Welcome, welcomeText(msg.name)));
        this.out.stream(conn, registrations(this.hosts.knownNow(), this.id, (h) => h.kind === 'client' && h.id !== src && this.announced(h.id)));
      }
    } else if (probe) {
      this.out.send(conn, pingFrame());
    }
    // A server that dialled us, pinged with its seed: announced once it answers (join-proof.ts);
    // what it relays meanwhile is learned here and announced with it.
    if (seed && kind === 'server' && probe) this.proof.hold(conn);
    if (this.proof.holds(conn)) return;
    this.out.broadcast(relayed, conn, kind === 'client');
  }

  /** Is `id` told to others? Not while it is behind a joiner held until its link is proven (join-proof.ts). */
  private announced(id: number): boolean {
    if (this.proof.size === 0) return true;
    const link = this.hosts.routeTo(id);
    return link === undefined || !this.proof.holds(link);
  }

  /** A held joiner's link is proven (or cannot be): the rest of the network learns it and all behind it. */
  private announce(conn: ConnId): void {
    const peer = this.conns.get(conn);
    if (peer?.role !== 'server') return;
    const behind = this.hosts.behind(peer.id);
    // The joiner first, then what it brought, as each was learned.
    for (const h of [...behind.filter((x) => x.id === peer.id), ...behind.filter((x) => x.id !== peer.id)]) {
      this.out.broadcast(registrationFrame(h, this.id), conn, h.kind === 'client');
    }
  }

  private onStatus(conn: ConnId, peer: Peer, msg: StatusMessage): void {
    const { sourceId: src, destinationId: dest } = msg;
    if (dest === 0 || dest === this.id) {
      const joinReply = peer.role === 'pending' && this.dialling.has(conn);
      const refusal = whyNotLogStatus(this.hosts, conn, peer, src, msg.statusCode, joinReply);
      if (refusal !== undefined) {
        this.counters.statusesRejected++;
        return this.reject(conn, refusal);
      }
      if (joinReply) this.dialling.delete(conn);
      if (this.statusLog.push(msg.content) && this.statusLog.dropped === 1) {
        this.out.event({ type: 'limit-reached', limit: 'status-log', value: this.statusLog.capacity });
      }
      this.out.event({ type: 'status-logged', from: src, code: msg.statusCode, content: msg.content });
      return;
    }
    if (!sourceBelongs(this.hosts, conn, peer, src)) return this.reject(conn, `status from ${src} does not come from behind this connection`);
    const via = this.hosts.routeTo(dest);
    if (via === undefined || via === conn) {
      this.out.event({ type: 'unknown-destination', from: src, to: dest });
      return;
    }
    this.out.send(via, msg.raw ?? encode(msg));
  }

  /**
   * The hot path, for a chat read on `conn`: the connection it leaves on when forwarding its
   * bytes is all there is to do (a registered peer, the source behind `conn`, the destination
   * behind another connection, its text valid if this server must check it). Undefined
   * otherwise: the driver then hands it to received(), which applies the same rules and says
   * what else is due (a refusal, an unknown destination, an invalid text). Like received(), it
   * counts as hearing from the peer. No effect is allocated: most frames a server handles take
   * this path.
   */
  forwardChat(conn: ConnId, msg: ClientChatMessage): ConnId | undefined {
    return msg.raw === undefined
      ? this.routeChat(conn, msg.sourceId, msg.destinationId)
      : this.routeChat(conn, msg.sourceId, msg.destinationId, msg.raw, 0, msg.raw.length);
  }

  /**
   * forwardChat() by the chat's ids, for a frame the driver has not decoded: its bytes are
   * `frame[at, at + len)` (looked at only when its text must be checked). Without a frame,
   * the text counts as valid (a chat built from a string).
   */
  routeChat(conn: ConnId, src: number, dest: number, frame?: Buffer, at = 0, len = 0): ConnId | undefined {
    const peer = this.conns.get(conn);
    if (peer === undefined) return undefined;
    if (peer.life) peer.life.heard = true; // any frame is life
    if (!sourceBelongs(this.hosts, conn, peer, src)) return undefined;
    // By id and next hop only: building a HostRecord per chat would allocate on the hot path.
    const hop = this.hosts.hopOf(dest);
    if (hop === undefined) return undefined;
    if (frame !== undefined && mustCheckChatTextTo(peer, this.hosts, dest, hop)
      && !chatFrameTextIsUtf8(frame, at, len)) return undefined;
    const via = this.hosts.linkOf(hop);
    return via === conn ? undefined : via;
  }

  private onChat(conn: ConnId, peer: Peer, src: number, dest: number, msg: Message): void {
    if (!sourceBelongs(this.hosts, conn, peer, src)) return this.reject(conn, `chat from ${src} does not come from behind this connection`);
    const hop = this.hosts.hopOf(dest);
    const via = hop === undefined ? undefined : this.hosts.linkOf(hop);
    if (via !== undefined && via !== conn) {
      if (mustCheckChatTextTo(peer, this.hosts, dest, hop!) && !chatTextIsUtf8(msg)) {
        this.counters.chatsInvalidUtf8++;
        return this.reject(conn, `chat from ${src} to client ${dest} is not valid UTF-8: not delivered`);
      }
      this.out.send(via, msg.raw ?? encode(msg));
      return;
    }
    // Unknown destination: tell the sender. The course addresses the reply to 0, which only
    // works when the sender is adjacent; a non-adjacent sender's server would swallow it.
    const replyTo = this.hosts.linkOf(src) === conn ? 0 : src;
    this.out.event({ type: 'unknown-destination', from: src, to: dest });
    this.out.send(conn, statusFrame(this.id, replyTo, StatusCode.UnknownId, unknownIdText(dest)));
  }

  private onClientQuit(conn: ConnId, peer: Peer, msg: ClientQuitMessage): void {
    if (isHeartbeat(msg)) {
      const pong = this.liveness.heartbeat(peer, msg);
      if (pong) this.out.send(conn, pong);
      const beat = msg.content === PONG_TEXT || msg.content === PING_TEXT;
      if (beat && this.proof.size > 0 && this.proof.heartbeat(conn, msg.content === PONG_TEXT)) this.announce(conn);
      return;
    }
    const h = this.hosts.get(msg.sourceId);
    if (!h || h.kind !== 'client') return; // unknown: this is what stops a quit from looping
    if (!sourceBelongs(this.hosts, conn, peer, msg.sourceId)) return this.reject(conn, `quit for ${msg.sourceId} does not come from behind this connection`);
    if (!this.proof.holds(conn)) this.out.broadcast(msg.raw ?? encode(msg), conn, true); // held: the rest never learned it
    this.forget(msg.sourceId, 'quit');
    if (peer.role === 'client' && peer.id === msg.sourceId) this.conns.set(conn, { role: 'pending', outbound: false });
  }

  private onServerQuit(conn: ConnId, peer: Peer, msg: ServerQuitMessage): void {
    // The adjacent server itself is leaving: that is its link going, hosts behind it and all.
    if (isOwnServerQuit(this.hosts, conn, peer, msg.sourceId)) return this.dropLink(conn, msg.sourceId, `server ${msg.sourceId} quit`);
    const h = this.hosts.get(msg.sourceId);
    if (!h || h.kind !== 'server') return;
    if (!sourceBelongs(this.hosts, conn, peer, msg.sourceId)) return this.reject(conn, `server quit for ${msg.sourceId} does not come from behind this connection`);
    if (!this.proof.holds(conn)) this.out.broadcast(msg.raw ?? encode(msg), conn, false);
    this.forget(msg.sourceId, 'server-quit');
  }

  // ---- links -------------------------------------------------------------------------

  /** Did adjacent server `a` link up after adjacent server `b`? (adjacentServers keeps link-up order.) */
  private linkedAfter(a: number, b: number): boolean {
    if (a === b) return false;
    for (const id of this.hosts.adjacentServers) {
      if (id === b) return true;
      if (id === a) return false;
    }
    return false;
  }

  /** Close a server link from this side and split off everything that came over it. */
  private dropLink(conn: ConnId, peerId: number, reason: string): void {
    this.conns.delete(conn); // frames still arriving on it are ignored, and closed() does nothing
    this.liveness.forget(conn);
    this.netsplit(conn, peerId);
    this.out.close(conn, reason);
  }

  /** A server link silent past the timeout: closed at once (a dead peer sends no FIN) and split off. */
  private linkDead(conn: ConnId, peerId: number, silentMs: number): void {
    this.conns.delete(conn);
    this.out.event({ type: 'link-dead', conn, peerId, reason: 'ping timeout', silentMs });
    // With staticTree, as for a closed socket, nothing is propagated.
    if (!this.options.staticTree) this.netsplit(conn, peerId);
    else this.proof.forget(conn);
    this.out.close(conn, 'ping timeout', true);
  }

  /**
   * Forget every host whose next hop was server `peerId` (itself included) and tell the rest
   * of this side, like IRC's SQUIT: a client quit for each client, a server quit for each server.
   */
  private netsplit(conn: ConnId, peerId: number): void {
    const lost = this.hosts.behind(peerId);
    for (const h of lost) this.forget(h.id, 'netsplit');
    this.out.event({ type: 'link-down', conn, peerId, kind: 'server', lost: lost.length });
    // A joiner never announced leaves unannounced: the rest of the network never learned it.
    if (this.proof.forget(conn)) return;
    if (lost.length > 0) this.out.broadcastDepartures(new Departures(lost, `netsplit ${this.id} ${peerId}`), conn);
  }

  // ---- helpers -----------------------------------------------------------------------

  private forget(id: number, reason: ForgetReason): void {
    const h = this.hosts.forget(id);
    if (!h) return;
    if (this.hosts.size < this.options.maxHosts) this.tableFull = false;
    this.out.event({ type: 'host-forgotten', id, kind: h.kind, reason });
  }

  private ownRegistration(lastHopId: number): RegistrationMessage {
    return { type: MessageType.ServerRegistration, sourceId: this.id, lastHopId, name: this.name, info: this.info };
  }

  private reject(conn: ConnId, reason: string): void {
    this.out.event({ type: 'protocol-error', conn, reason });
  }

  private flush(): Effect[] {
    return this.out.flush();
  }
}

/** A record's protocol fields (the table keeps a learning order beside them). */
function copyOf(h: HostRecord): HostRecord {
  return { id: h.id, kind: h.kind, name: h.name, info: h.info, firstLinkId: h.firstLinkId };
}
