// A joining server is announced to the rest of the network only once its link is proven in
// both directions, where the joiner can prove it (issue 20). A link that works one way only
// (our answers lost, its frames arriving) would otherwise make the whole network learn the
// joiner, then forget it when the joiner gives up and re-dials, again and again.
//
// The proof is its first pong: an answer to the ping we sent with its seed has crossed both
// ways. A joiner that can answer says so at once: ours sends a ping right behind its
// registration, in the same write. A joiner whose registration is not followed by a ping (every
// course implementation: no liveness) cannot prove anything and is announced at once, as before:
// when the read that brought its registration ends, or when any other frame of it arrives.
import type { CoreState } from './core-state.ts';
import type { ConnId } from './effects.ts';
import { registrationFrame } from './server-frames.ts';

/** What a held link waits for: the ping that says the joiner has liveness, then its pong. */
type Awaiting = 'ping' | 'pong';

export class JoinProof {
  /** Links whose joiner is not announced yet (bounded by the server's connections). */
  private readonly held = new Map<ConnId, Awaiting>();

  get size(): number {
    return this.held.size;
  }

  /** A joiner registered on `conn` (it dialled us; we answered with a ping): hold its announcement. */
  hold(conn: ConnId): void {
    this.held.set(conn, 'ping');
  }

  /** Is what arrives on `conn` still kept from the rest of the network? */
  holds(conn: ConnId): boolean {
    return this.held.has(conn);
  }

  /** A heartbeat arrived on `conn`: true when it proves the link (a pong), so the joiner is announced now. */
  heartbeat(conn: ConnId, pong: boolean): boolean {
    const awaiting = this.held.get(conn);
    if (awaiting === undefined) return false;
    if (pong) return this.held.delete(conn);
    this.held.set(conn, 'pong'); // its ping: it has liveness, so it can prove the link
    return false;
  }

  /**
   * Something other than a heartbeat arrived on `conn`, or the read that brought the
   * registration is over: a joiner that has not pinged by now has no liveness. True when it
   * is to be announced now.
   */
  settle(conn: ConnId): boolean {
    return this.held.get(conn) === 'ping' && this.held.delete(conn);
  }

  /** Every held link still waiting for a ping (a driver that never reports the end of a read: the next tick). */
  unsettled(): ConnId[] {
    return [...this.held].filter(([, a]) => a === 'ping').map(([c]) => c);
  }

  /** `conn` is gone; true if its joiner had not been announced (so neither is its departure). */
  forget(conn: ConnId): boolean {
    return this.held.delete(conn);
  }
}

// The rule on ServerCore's state (core-state.ts): registration.ts, departures.ts and server-core.ts use it.

/** Is `id` told to others? Not while it is behind a joiner held until its link is proven (join-proof.ts). */
export function announced(s: CoreState, id: number): boolean {
  if (s.proof.size === 0) return true;
  const link = s.hosts.routeTo(id);
  return link === undefined || !s.proof.holds(link);
}

/** A held joiner's link is proven (or cannot be): the rest of the network learns it and all behind it. */
export function announce(s: CoreState, conn: ConnId): void {
  const peer = s.conns.get(conn);
  if (peer?.role !== 'server') return;
  const behind = s.hosts.behind(peer.id);
  // The joiner first, then what it brought, as each was learned.
  for (const h of [...behind.filter((x) => x.id === peer.id), ...behind.filter((x) => x.id !== peer.id)]) {
    s.out.broadcast(registrationFrame(h, s.id), conn, h.kind === 'client');
  }
}
