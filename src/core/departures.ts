// ServerCore's departure rules: client and server quits, links dropped or dead, and the
// netsplit that forgets everything behind a lost server link and tells the rest of this side.
import { type ClientQuitMessage, type ServerQuitMessage, encode } from '../protocol/index.ts';
import { Departures } from './bursts.ts';
import { type CoreState, reject } from './core-state.ts';
import type { ConnId, ForgetReason } from './effects.ts';
import { PING_TEXT, PONG_TEXT, isHeartbeat } from './liveness.ts';
import { announce } from './join-proof.ts';
import { type Peer, isOwnServerQuit, sourceBelongs } from './trust-policy.ts';

export function onClientQuit(s: CoreState, conn: ConnId, peer: Peer, msg: ClientQuitMessage): void {
  if (isHeartbeat(msg)) {
    const pong = s.liveness.heartbeat(peer, msg);
    if (pong) s.out.send(conn, pong);
    const beat = msg.content === PONG_TEXT || msg.content === PING_TEXT;
    if (beat && s.proof.size > 0 && s.proof.heartbeat(conn, msg.content === PONG_TEXT)) announce(s, conn);
    return;
  }
  const h = s.hosts.get(msg.sourceId);
  if (!h || h.kind !== 'client') return; // unknown: this is what stops a quit from looping
  if (!sourceBelongs(s.hosts, conn, peer, msg.sourceId)) return reject(s, conn, `quit for ${msg.sourceId} does not come from behind this connection`);
  if (!s.proof.holds(conn)) s.out.broadcast(msg.raw ?? encode(msg), conn, true); // held: the rest never learned it
  forget(s, msg.sourceId, 'quit');
  if (peer.role === 'client' && peer.id === msg.sourceId) s.conns.set(conn, { role: 'pending', outbound: false });
}

export function onServerQuit(s: CoreState, conn: ConnId, peer: Peer, msg: ServerQuitMessage): void {
  // The adjacent server itself is leaving: that is its link going, hosts behind it and all.
  if (isOwnServerQuit(s.hosts, conn, peer, msg.sourceId)) return dropLink(s, conn, msg.sourceId, `server ${msg.sourceId} quit`);
  const h = s.hosts.get(msg.sourceId);
  if (!h || h.kind !== 'server') return;
  if (!sourceBelongs(s.hosts, conn, peer, msg.sourceId)) return reject(s, conn, `server quit for ${msg.sourceId} does not come from behind this connection`);
  if (!s.proof.holds(conn)) s.out.broadcast(msg.raw ?? encode(msg), conn, false);
  forget(s, msg.sourceId, 'server-quit');
}

/** Close a server link from this side and split off everything that came over it. */
export function dropLink(s: CoreState, conn: ConnId, peerId: number, reason: string): void {
  s.conns.delete(conn); // frames still arriving on it are ignored, and closed() does nothing
  s.liveness.forget(conn);
  netsplit(s, conn, peerId);
  s.out.close(conn, reason);
}

/** A server link silent past the timeout: closed at once (a dead peer sends no FIN) and split off. */
export function linkDead(s: CoreState, conn: ConnId, peerId: number, silentMs: number): void {
  s.conns.delete(conn);
  s.out.event({ type: 'link-dead', conn, peerId, reason: 'ping timeout', silentMs });
  // With staticTree, as for a closed socket, nothing is propagated.
  if (!s.options.staticTree) netsplit(s, conn, peerId);
  else s.proof.forget(conn);
  s.out.close(conn, 'ping timeout', true);
}

/**
 * Forget every host whose next hop was server `peerId` (itself included) and tell the rest
 * of this side, like IRC's SQUIT: a client quit for each client, a server quit for each server.
 */
export function netsplit(s: CoreState, conn: ConnId, peerId: number): void {
  const lost = s.hosts.behind(peerId);
  for (const h of lost) forget(s, h.id, 'netsplit');
  s.out.event({ type: 'link-down', conn, peerId, kind: 'server', lost: lost.length });
  // A joiner never announced leaves unannounced: the rest of the network never learned it.
  if (s.proof.forget(conn)) return;
  if (lost.length > 0) s.out.broadcastDepartures(new Departures(lost, `netsplit ${s.id} ${peerId}`), conn);
}

export function forget(s: CoreState, id: number, reason: ForgetReason): void {
  const h = s.hosts.forget(id);
  if (!h) return;
  if (s.hosts.size < s.options.maxHosts) s.tableFull = false;
  s.out.event({ type: 'host-forgotten', id, kind: h.kind, reason });
}
