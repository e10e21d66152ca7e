// Liveness between servers (PROTOCOL.md, Extensions): how long each server link has been
// silent, when to ping it, and when its silence means it is dead. Sans-I/O like the rest of
// the core: the driver calls tick(now) from one sweep timer per server, and the core turns
// the verdicts into frames, closes and events. No clock is read per frame: the core marks a
// link as heard (one store), and the next tick turns that into a time.
import { type ClientQuitMessage, MessageType, encode } from '../protocol/index.ts';
import type { ConnId } from './effects.ts';
import type { Peer } from './trust-policy.ts';

/**
 * The probes ride in a frame every course implementation drops without a trace: a client quit
 * from the reserved id 0. No client can hold id 0, and a quit for an unknown client is
 * ignored (PROTOCOL.md, "Client quit"), so a server without liveness neither logs, relays nor
 * answers it. A status frame, as before, went into their graded status log.
 */
export const PING_TEXT = 'crc-sim ping';
export const PONG_TEXT = 'crc-sim pong';
const heartbeat = (text: string): Buffer => encode({ type: MessageType.ClientQuit, sourceId: 0, content: text });
export const pingFrame = (): Buffer => heartbeat(PING_TEXT);
export const pongFrame = (): Buffer => heartbeat(PONG_TEXT);

/** Is this quit a probe (from id 0)? Whatever its text: a quit for id 0 is never anything else. */
export const isHeartbeat = (msg: ClientQuitMessage): boolean => msg.sourceId === 0;

export interface LivenessSettings {
  /** A server link silent this long is pinged (ms); 0 = no liveness. */
  intervalMs: number;
  /** A server link silent this long is dead (ms). */
  timeoutMs: number;
}

/** 0 / undefined interval: off. The timeout defaults to four intervals. */
export function resolveLiveness(intervalMs = 0, timeoutMs?: number): LivenessSettings {
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`pingIntervalMs must be 0 (off) or a positive number of ms, got ${intervalMs}`);
  if (intervalMs === 0) {
    if (timeoutMs) throw new RangeError('pingTimeoutMs needs pingIntervalMs (liveness is off without it)');
    return { intervalMs: 0, timeoutMs: 0 };
  }
  const timeout = timeoutMs ?? 4 * intervalMs;
  // A ping leaves after one interval of silence and its answer is seen at the next tick.
  if (!(timeout >= 2 * intervalMs)) throw new RangeError(`pingTimeoutMs must be at least twice pingIntervalMs (${intervalMs} ms), got ${timeoutMs}`);
  return { intervalMs, timeoutMs: timeout };
}

/**
 * What is known of a peer's liveness: 'probing' until it answers the first ping (or pings
 * us), 'yes' once it has, 'no' if it let the first ping go unanswered while silent (a server
 * that is not ours, e.g. the course's): never pinged or timed out again.
 */
export type Capability = 'probing' | 'yes' | 'no';

/** One watched link. The core keeps it on the connection's Peer and sets `heard` on every frame. */
export interface LinkLife {
  readonly conn: ConnId;
  /** 0 on a link we dialled whose peer has not registered yet. */
  readonly peerId: number;
  heard: boolean;
  /** The tick that last saw `heard` (NaN until the first tick). */
  lastHeard: number;
  /** The tick that last sent an idle ping (-Infinity: none since the first, sent on registering). */
  pingAt: number;
  capability: Capability;
}

export type Verdict =
  | { kind: 'ping'; life: LinkLife }
  | { kind: 'dead'; life: LinkLife; silentMs: number }
  | { kind: 'no-liveness'; life: LinkLife }
  /** A link we dialled whose peer has not registered within the timeout (silent, or refusing us). */
  | { kind: 'unregistered'; life: LinkLife; silentMs: number };

export class Liveness {
  readonly enabled: boolean;
  /** Every link being watched: registered server links, and dialled links not registered yet. */
  private readonly watched = new Map<ConnId, LinkLife>();
  private lastTick = Number.NaN;
  /**
   * How late recent ticks ran (ms), newest last, each later tick less late than the one before
   * it (a tick no later than a newer, worse one can never be the worst again): the worst is the
   * first, read in O(1) on every tick (a 10,000-server network's 200 s timeout held 200 ticks
   * per server, scanned by each every second). Bounded; only the last timeout's worth is kept.
   */
  private readonly lateTicks: Array<{ t: number; ms: number }> = [];
  /**
   * When a link held back only by the lateness margin passes timeout + margin (the earliest of
   * them), for the driver to look again then rather than a whole interval later: the margin
   * excuses a late host, it must not round detection up to the next tick.
   */
  recheckAt: number | undefined;
  /** Deaths put off because this thread ran late (issue 20: a late host is not a dead peer). */
  deferred = 0;

  constructor(readonly settings: LivenessSettings) {
    this.enabled = settings.intervalMs > 0;
  }

  /**
   * We dialled `conn`: it is given up if its peer has not registered within the timeout, be it
   * silent or refusing us (e.g. as a duplicate while it still holds our old link): the driver
   * re-dials, and the next try may be let in.
   */
  dialled(conn: ConnId): LinkLife | undefined {
    return this.watch({ conn, peerId: 0, heard: false, lastHeard: Number.NaN, pingAt: -Infinity, capability: 'probing' });
  }

  /** Server `peerId` registered on `conn`; the first ping went with our registration, or goes with the seed. */
  registered(conn: ConnId, peerId: number): LinkLife | undefined {
    return this.watch({ conn, peerId, heard: true, lastHeard: Number.NaN, pingAt: -Infinity, capability: 'probing' });
  }

  /**
   * A heartbeat (a quit from id 0) arrived on `peer`'s connection; returns the pong to send
   * back, if any. Heartbeats go between adjacent servers only: any other is dropped, and none
   * is ever logged, relayed or counted as an error. Pings are answered with liveness off too.
   * A peer that pings or pongs has liveness (one marked 'no' too: it just proved otherwise).
   */
  heartbeat(peer: Peer, msg: ClientQuitMessage): Buffer | undefined {
    // The peer is known by the link (a quit names no sender); unregistered links get no answer.
    if (peer.role !== 'server' || (msg.content !== PING_TEXT && msg.content !== PONG_TEXT)) return undefined;
    const life = peer.life;
    if (life) {
      if (life.capability === 'no') this.watched.set(life.conn, life);
      life.capability = 'yes';
    }
    return msg.content === PING_TEXT ? pongFrame() : undefined;
  }

  /** Stop watching `conn` (closed, or split off by the core). */
  forget(conn: ConnId): void {
    this.watched.delete(conn);
  }

  /**
   * What the silence of each watched link means at `now` (ms, any monotonic clock). `lateMs`:
   * how late this tick ran; `hostLateMs`: the worst lateness of the other threads of this host
   * over the last timeout, where the driver can know it (a simulation's workers share one host).
   */
  tick(now: number, lateMs = 0, hostLateMs = 0): Verdict[] {
    const { intervalMs, timeoutMs } = this.settings;
    // A tick this late means this thread was stalled: what the peers sent may still be unread
    // in the kernel (timers run before reads in a turn), so silence proves nothing this time.
    const stalled = now - this.lastTick > 2 * intervalMs || lateMs > intervalMs / 2;
    this.lastTick = now;
    // And a thread that ran late lately may have stamped its links late: a peer is dead only
    // when its silence passes the timeout by more than this thread's own recent lateness. On a
    // shared host the peer's thread and the link's (its proxy) can be late too, and a ping waits
    // on them twice, there and back: their lateness counts twice (issue 20, quit-during-load).
    const margin = Math.max(this.noteLateness(now, lateMs), 2 * hostLateMs);
    this.recheckAt = undefined;
    const out: Verdict[] = [];
    for (const life of this.watched.values()) {
      // A dialled link's clock runs from the dial: only its peer's registration stops it.
      if (Number.isNaN(life.lastHeard) || (life.heard && life.peerId !== 0)) {
        life.heard = false;
        life.lastHeard = now;
      }
      const silentMs = now - life.lastHeard;
      if (silentMs < timeoutMs + margin) {
        if (silentMs >= timeoutMs && life.capability === 'yes') {
          this.deferred++;
          const due = life.lastHeard + timeoutMs + margin;
          if (this.recheckAt === undefined || due < this.recheckAt) this.recheckAt = due;
        }
        if (life.capability === 'yes' && silentMs >= intervalMs && life.pingAt < life.lastHeard) {
          life.pingAt = now;
          out.push({ kind: 'ping', life });
        }
        continue;
      }
      if (stalled) {
        if (life.capability === 'yes') this.deferred++;
        continue;
      }
      // The probe went out on registering, before the first stamp of lastHeard: this silence
      // is at least as old as it.
      if (life.peerId === 0) out.push({ kind: 'unregistered', life, silentMs });
      else if (life.capability === 'yes') out.push({ kind: 'dead', life, silentMs });
      else {
        life.capability = 'no';
        out.push({ kind: 'no-liveness', life });
      }
      this.watched.delete(life.conn);
    }
    return out;
  }

  /** Record this tick's lateness; the worst of the last timeout's ticks (ms). */
  private noteLateness(now: number, lateMs: number): number {
    const late = this.lateTicks;
    if (lateMs > 0) {
      while (late.length > 0 && late[late.length - 1]!.ms <= lateMs) late.pop();
      late.push({ t: now, ms: lateMs });
    }
    while (late.length > 0 && (late.length > 1024 || late[0]!.t <= now - this.settings.timeoutMs)) late.shift();
    return late.length > 0 ? late[0]!.ms : 0;
  }

  private watch(life: LinkLife): LinkLife | undefined {
    if (!this.enabled) return undefined;
    this.watched.set(life.conn, life);
    return life;
  }
}
