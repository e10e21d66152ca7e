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
  /** Learn it; `seed`: a newcomer that opened this connection, to welcome (client) or seed (server). */
  | { verdict: 'accept'; kind: HostKind; adjacent: boolean; seed: boolean }
  /** Broken or forged: a protocol error, nothing learned, no answer. */
  | { verdict: 'reject'; reason: string }
  /** The id is taken: answer with the duplicate-id status, learn and relay nothing. */
  | { verdict: 'duplicate'; kind: HostKind }
  /** A second path to a server we already reach: the tree has a cycle. Drop the link it came on. */
  | { verdict: 'loop'; reason: string }
  /** The host table is full: answer with a refusal status, learn and relay nothing. */
  | { verdict: 'full'; kind: HostKind }
  /** The adjacent server's own registration again on its own link: ignored, counted, never answered. */
  | { verdict: 'echo' }
  /** A host we already reach through this same server, announced by it again: ignored, counted. */
  | { verdict: 'repeat' };

/**
 * What a registration means, by the connection it came on (docs/protocol-notes.md, "Interop
 * with other implementations", has the conventions A-I and why each rule is here). We accept
 * every last_hop_id a foreign server is known to write, and learn nothing the TCP link does
 * not vouch for: a registered server link only ever adds hosts behind that server.
 */
export function judgeRegistration(selfId: number, hosts: HostTable, peer: Peer, msg: RegistrationMessage, maxHosts: number): RegistrationVerdict {
  const kind: HostKind = msg.type === MessageType.ServerRegistration ? 'server' : 'client';
  const src = msg.sourceId;
  const hop = msg.lastHopId;
  if (src === 0) return { verdict: 'reject', reason: `${kind} registration for the reserved id 0` };
  if (peer.role === 'client') return { verdict: 'reject', reason: `client ${peer.id} sent a ${kind} registration for ${src}` };
  if (peer.role === 'server') return judgeRelayed(selfId, hosts, peer.id, kind, src, maxHosts);
  // A connection that has not registered: its first registration says who is on it.
  if (!announcesItself(selfId, peer.outbound, kind, src, hop)) {
    return { verdict: 'reject', reason: `relayed ${kind} registration for ${src} (last hop ${hop}) on a connection that has not registered` };
  }
  if (src === selfId || hosts.has(src)) return { verdict: 'duplicate', kind };
  if (hosts.size >= maxHosts) return { verdict: 'full', kind };
  // Only a newcomer that dialled us (last_hop 0) is seeded. On a link we dialled, the server's
  // registration is its reply to ours, whatever it writes: we sent it everything when we dialled,
  // and seeding it again would echo our own registration back.
  return { verdict: 'accept', kind, adjacent: true, seed: hop === 0 && !(peer.outbound && kind === 'server') };
}

/**
 * Is this, on a connection that has not registered, the host on its other end? last_hop_id 0:
 * the host itself on the connection it opened (the course; a joiner's registration, and the
 * reply of A, B and C). last_hop_id == source: a server announcing itself (the course
 * reference's reply; F, G, H and I). On a link we dialled, also last_hop_id == our own id: the
 * reply of D and E, which write the joiner's id. G takes anything here; we do not: any other
 * value names a relaying server that this connection never registered as.
 */
function announcesItself(selfId: number, outbound: boolean, kind: HostKind, src: number, hop: number): boolean {
  return hop === 0 || hop === src || (outbound && kind === 'server' && hop === selfId);
}

/** The verdict on most registrations a server ever reads (N² in a network of N): made once, not per frame. */
const RELAYED_SERVER: RegistrationVerdict = Object.freeze({ verdict: 'accept', kind: 'server', adjacent: false, seed: false });
const RELAYED_CLIENT: RegistrationVerdict = Object.freeze({ verdict: 'accept', kind: 'client', adjacent: false, seed: false });

/**
 * A registration on server `peerId`'s registered link. Whatever its last_hop_id (0, the
 * server's id, ours, the host's own: each is written by some implementation), it comes from
 * that server, so a host other than the server itself is relayed by it and lies behind it.
 */
function judgeRelayed(selfId: number, hosts: HostTable, peerId: number, kind: HostKind, src: number, maxHosts: number): RegistrationVerdict {
  // The echo: after the join, A and B send their registration again with last_hop 0, F to I
  // with their own id, D and E with ours (C does not). Never a duplicate: answering it with
  // the duplicate-id status puts a status in the course's graded log.
  if (src === peerId) return kind === 'server' ? { verdict: 'echo' } : { verdict: 'duplicate', kind };
  const known: HostRecord | 'self' | undefined = src === selfId ? 'self' : hosts.get(src);
  if (known === undefined) return hosts.size >= maxHosts ? { verdict: 'full', kind } : kind === 'server' ? RELAYED_SERVER : RELAYED_CLIENT;
  // Announced again by the server we already reach it through (a re-seed after an echo): the
  // same host on the same path, nothing to learn and nothing to answer.
  if (known !== 'self' && known.kind === kind && known.firstLinkId === peerId) return { verdict: 'repeat' };
  // A server relayed to us over one link that we reach over another (or that is us): two
  // paths, so a cycle. Like IRC's "Server already exists" (RFC 2813): close the link it
  // arrived on. A client id taken twice is only a collision, never a reason to split.
  if (kind === 'server' && (known === 'self' || known.kind === 'server')) {
    const where = known === 'self' ? 'this server itself' : `known via ${known.firstLinkId}`;
    return { verdict: 'loop', reason: `server ${peerId} relayed a registration for server ${src} (${where}): the tree has a cycle` };
  }
  return { verdict: 'duplicate', kind };
}

/**
 * Chats cross server links with their text unchecked (forwarded byte for byte); the server
 * that hands one from a server link to its own client checks it, once. By id and next hop
 * (the destination is adjacent when it is its own next hop): no record is built per chat.
 */
export function mustCheckChatTextTo(from: Peer, hosts: HostTable, dest: number, hop: number): boolean {
  return from.role === 'server' && hop === dest && hosts.kindOf(dest) === 'client';
}

/**
 * Is the chat text on a link of this kind trusted as it arrives (read lazily, not checked
 * here)? A registered server link's chats were checked where they entered the network; a
 * client's are checked now (mustCheckChatTextTo says where a server-borne chat is).
 */
export function trustsChatTextFrom(kind: HostKind): boolean {
  return kind === 'server';
}

/** A server quit for the sending server's own id: the link is going, with all behind it. */
export function isOwnServerQuit(hosts: HostTable, conn: ConnId, peer: Peer, src: number): boolean {
  return peer.role === 'server' && peer.id === src && hosts.linkOf(src) === conn;
}
