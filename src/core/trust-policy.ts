// The trust rules of a CRC server, in one place: which frames it believes, logs, learns from
// or refuses, given who sent them. ServerCore asks; this module only answers.
import { MessageType, type RegistrationMessage, StatusCode } from '../protocol/index.ts';
import type { ConnId, HostKind } from './effects.ts';
import type { HostRecord, HostTable } from './host-table.ts';
import type { LinkLife } from './liveness.ts';

/** What a connection is, as far as the protocol knows; `life` when liveness watches it. */
export type Peer =
  | { role: 'pending'; outbound: boolean; life?: LinkLife }
  | { role: 'server'; id: number; outbound: boolean; life?: LinkLife }
  | { role: 'client'; id: number; life?: undefined };

/** Is `src` a host whose traffic should arrive over this connection? */
export function sourceBelongs(hosts: HostTable, conn: ConnId, peer: Peer, src: number): boolean {
  if (peer.role === 'client') return peer.id === src;
  if (peer.role === 'pending') return false;
  return hosts.hopOf(src) === peer.id && hosts.linkOf(peer.id) === conn;
}

/**
 * Why a status addressed to this server may not go in its log (undefined: it may). It may
 * only from a registered peer behind whose connection its source lies, or as the duplicate-id
 * answer to our own join (it comes before that link registers; it is how a refused server
 * learns why).
 */
export function whyNotLogStatus(hosts: HostTable, conn: ConnId, peer: Peer, src: number, code: number, awaitingJoinReply: boolean): string | undefined {
  if (peer.role === 'pending') {
    if (awaitingJoinReply && code === StatusCode.DuplicateId) return undefined;
    return `status from ${src} on a connection that has not registered: not logged`;
  }
  if (!sourceBelongs(hosts, conn, peer, src)) return `status from ${src} does not come from behind this connection: not logged`;
  return undefined;
}

export type RegistrationVerdict =
  | { verdict: 'accept'; kind: HostKind; adjacent: boolean }
  /** Broken or forged: a protocol error, nothing learned, no answer. */
  | { verdict: 'reject'; reason: string }
  /** The id is taken: answer with the duplicate-id status, learn and relay nothing. */
  | { verdict: 'duplicate'; kind: HostKind }
  /** A second path to a server we already reach: the tree has a cycle. Drop the link it came on. */
  | { verdict: 'loop'; reason: string }
  /** The host table is full: answer with a refusal status, learn and relay nothing. */
  | { verdict: 'full'; kind: HostKind };

export function judgeRegistration(selfId: number, hosts: HostTable, peer: Peer, msg: RegistrationMessage, maxHosts: number): RegistrationVerdict {
  const kind: HostKind = msg.type === MessageType.ServerRegistration ? 'server' : 'client';
  const src = msg.sourceId;
  // last_hop_id 0: the host itself, on the connection it opened. last_hop_id == source: a
  // server announcing itself to a new neighbour. Either way the sender is adjacent.
  const adjacent = msg.lastHopId === 0 || msg.lastHopId === src;
  if (src === 0) return { verdict: 'reject', reason: `${kind} registration for the reserved id 0` };
  if (peer.role === 'client') return { verdict: 'reject', reason: `client ${peer.id} sent a ${kind} registration for ${src}` };
  if (peer.role === 'pending' && !adjacent) {
    return { verdict: 'reject', reason: `relayed ${kind} registration for ${src} (last hop ${msg.lastHopId}) on a connection that has not registered` };
  }
  if (peer.role === 'server' && adjacent) {
    return { verdict: 'reject', reason: `server ${peer.id} sent a registration claiming ${src} is its own connection` };
  }
  const known: HostRecord | 'self' | undefined = src === selfId ? 'self' : hosts.get(src);
  if (known !== undefined) {
    // A server relayed to us over one link that we reach over another (or that is us): two
    // paths, so a cycle. Like IRC's "Server already exists" (RFC 2813): close the link it
    // arrived on. A client id taken twice is only a collision, never a reason to split.
    if (kind === 'server' && peer.role === 'server' && (known === 'self' || (known.kind === 'server' && known.firstLinkId !== peer.id))) {
      const where = known === 'self' ? 'this server itself' : `known via ${known.firstLinkId}`;
      return { verdict: 'loop', reason: `server ${peer.id} relayed a registration for server ${src} (${where}): the tree has a cycle` };
    }
    return { verdict: 'duplicate', kind };
  }
  if (hosts.size >= maxHosts) return { verdict: 'full', kind };
  return { verdict: 'accept', kind, adjacent };
}

/**
 * Chats cross server links with their text unchecked (forwarded byte for byte); the server
 * that hands one from a server link to its own client checks it, once. By id and next hop
 * (the destination is adjacent when it is its own next hop): no record is built per chat.
 */
export function mustCheckChatTextTo(from: Peer, hosts: HostTable, dest: number, hop: number): boolean {
  return from.role === 'server' && hop === dest && hosts.kindOf(dest) === 'client';
}

/** A server quit for the sending server's own id: the link is going, with all behind it. */
export function isOwnServerQuit(hosts: HostTable, conn: ConnId, peer: Peer, src: number): boolean {
  return peer.role === 'server' && peer.id === src && hosts.linkOf(src) === conn;
}
