// Sans-I/O CRC server: routing state and every rule of PROTOCOL.md, with no sockets inside.
// The driver tells it about connections (opened / received / closed) and carries out the
// effects it returns: bytes to send on a connection, connections to close, events to report.
// Who is believed is decided by trust-policy.ts; the table itself is host-table.ts; when a
// silent server link is pinged or declared dead, liveness.ts (driven by tick()). The rules per
// message live beside it, on the state it shares with them (core-state.ts): registrations in
// registration.ts, statuses and chats in routing.ts, quits and netsplits in departures.ts.
import { type ClientChatMessage, type Message, MessageType, type RegistrationMessage, encode } from '../protocol/index.ts';
import { registrations } from './bursts.ts';
import { ChatRoutes } from './chat-routes.ts';
import { type CoreState, ownRegistration } from './core-state.ts';
import { forget, linkDead, netsplit, onClientQuit, onServerQuit } from './departures.ts';
import type { ConnId, Effect, HostKind } from './effects.ts';
import { type HostRecord, HostTable } from './host-table.ts';
import { Outbox } from './outbox.ts';
import { onRegistration } from './registration.ts';
import { onChat, onStatus, routeChat } from './routing.ts';
import { departureFrame } from './server-frames.ts';
import { type LivenessSettings, Liveness, isHeartbeat, pingFrame } from './liveness.ts';
import { JoinProof, announce, announced } from './join-proof.ts';
import { type ResolvedServerOptions, type RuleCounters, type ServerCoreOptions, resolveServerOptions } from './server-options.ts';
import { StatusRing } from './status-log.ts';
import type { Peer } from './trust-policy.ts';

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
  /** The same objects, handed to the rule modules (core-state.ts). */
  private readonly state: CoreState;

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
    this.state = {
      id: this.id, name: this.name, info: this.info, options: this.options, counters: this.counters, liveness: this.liveness,
      hosts: this.hosts, conns: this.conns, chatRoutes: new ChatRoutes(), statusLog: this.statusLog, dialling: this.dialling, out: this.out, proof: this.proof, tableFull: false,
    };
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
      if (this.hosts.size > 0) this.out.stream(conn, registrations(this.hosts.knownNow(), this.id, (h) => announced(this.state, h.id)));
    }
    return this.flush();
  }

  received(conn: ConnId, msg: Message): Effect[] {
    const peer = this.conns.get(conn);
    if (!peer) return this.flush(); // a late message for a connection closed or being closed
    if (peer.life) peer.life.heard = true; // any frame is life
    // A held joiner's first frame that is no heartbeat: it has no liveness to prove its link with.
    if (this.proof.size > 0 && !(msg.type === MessageType.ClientQuit && isHeartbeat(msg)) && this.proof.settle(conn)) announce(this.state, conn);
    switch (msg.type) {
      case MessageType.ServerRegistration:
      case MessageType.ClientRegistration:
        onRegistration(this.state, conn, peer, msg);
        break;
      case MessageType.Status:
        onStatus(this.state, conn, peer, msg);
        break;
      case MessageType.ClientChat:
        onChat(this.state, conn, peer, msg.sourceId, msg.destinationId, msg);
        break;
      case MessageType.ClientQuit:
        onClientQuit(this.state, conn, peer, msg);
        break;
      case MessageType.ServerQuit:
        onServerQuit(this.state, conn, peer, msg);
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
        forget(this.state, peer.id, 'disconnect');
      }
      return this.flush();
    }
    netsplit(this.state, conn, peer.id);
    return this.flush();
  }

  /**
   * The driver's sweep, every liveness interval: ping the server links idle for an interval,
   * close those silent past the timeout (a netsplit, reason 'ping timeout'), and give up on
   * dialled links whose peer did not register in time. `now` is in ms on any monotonic clock;
   * `lateMs`: how late the driver's timer ran this time (a late thread is not a dead peer);
   * `hostLateMs`: the host's other threads' worst lateness over the last timeout (liveness.ts).
   */
  tick(now: number, lateMs = 0, hostLateMs = 0): Effect[] {
    if (!this.liveness.enabled) return [];
    // A driver that does not report the end of its reads (readDone): joiners that sent no ping go now.
    if (this.proof.size > 0) for (const c of this.proof.unsettled()) if (this.proof.settle(c)) announce(this.state, c);
    for (const v of this.liveness.tick(now, lateMs, hostLateMs)) {
      const { conn, peerId } = v.life;
      if (v.kind === 'ping') this.out.send(conn, pingFrame());
      else if (v.kind === 'no-liveness') this.out.event({ type: 'no-liveness', conn, peerId });
      else if (v.kind === 'dead') linkDead(this.state, conn, peerId, v.silentMs);
      else {
        this.conns.delete(conn);
        this.dialling.delete(conn);
        this.out.event({ type: 'link-dead', conn, peerId: 0, reason: 'join timeout', silentMs: v.silentMs });
        this.out.close(conn, 'join timeout', true);
      }
    }
    return this.flush();
  }

  /** When liveness wants to look again before the next interval (a verdict deferred by the lateness margin), or undefined. */
  get livenessRecheckAt(): number | undefined {
    return this.liveness.recheckAt;
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
    if (this.proof.settle(conn)) announce(this.state, conn);
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


  // ---- chats -------------------------------------------------------------------------

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
    return routeChat(this.state, conn, src, dest, frame, at, len);
  }

  // ---- helpers -----------------------------------------------------------------------

  private ownRegistration(lastHopId: number): RegistrationMessage {
    return ownRegistration(this.state, lastHopId);
  }

  private flush(): Effect[] {
    return this.out.flush();
  }
}


/** A record's protocol fields (the table keeps a learning order beside them). */
function copyOf(h: HostRecord): HostRecord {
  return { id: h.id, kind: h.kind, name: h.name, info: h.info, firstLinkId: h.firstLinkId };
}