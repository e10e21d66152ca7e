// ServerCore's routing rules: statuses (logged here, or forwarded) and chats (forwarded by
// next hop, refused, or answered with an unknown-id status), including the chat hot path.
import { type Message, type StatusMessage, StatusCode, chatFrameTextIsUtf8, chatTextIsUtf8, encode } from '../protocol/index.ts';
import { type CoreState, reject } from './core-state.ts';
import type { ConnId } from './effects.ts';
import { statusFrame, unknownIdText } from './server-frames.ts';
import { type Peer, mustCheckChatTextTo, sourceBelongs, whyNotLogStatus } from './trust-policy.ts';

export function onStatus(s: CoreState, conn: ConnId, peer: Peer, msg: StatusMessage): void {
  const { sourceId: src, destinationId: dest } = msg;
  if (dest === 0 || dest === s.id) {
    const joinReply = peer.role === 'pending' && s.dialling.has(conn);
    const refusal = whyNotLogStatus(s.hosts, conn, peer, src, msg.statusCode, joinReply);
    if (refusal !== undefined) {
      s.counters.statusesRejected++;
      return reject(s, conn, refusal);
    }
    if (joinReply) s.dialling.delete(conn);
    if (s.statusLog.push(msg.content) && s.statusLog.dropped === 1) {
      s.out.event({ type: 'limit-reached', limit: 'status-log', value: s.statusLog.capacity });
    }
    s.out.event({ type: 'status-logged', from: src, code: msg.statusCode, content: msg.content });
    return;
  }
  if (!sourceBelongs(s.hosts, conn, peer, src)) return reject(s, conn, `status from ${src} does not come from behind this connection`);
  const via = s.hosts.routeTo(dest);
  if (via === undefined || via === conn) {
    s.out.event({ type: 'unknown-destination', from: src, to: dest });
    return;
  }
  s.out.send(via, msg.raw ?? encode(msg));
}

/** ServerCore.routeChat(): the connection a chat read on `conn` leaves on, if that is all there is to do. */
export function routeChat(s: CoreState, conn: ConnId, src: number, dest: number, frame?: Buffer, at = 0, len = 0): ConnId | undefined {
  const peer = s.conns.get(conn);
  if (peer === undefined) return undefined;
  if (peer.life) peer.life.heard = true; // any frame is life
  // The same pair's chats get the same answer while the table and the peer stay as they were.
  const routes = s.chatRoutes;
  const version = s.hosts.version;
  const k = routes.find(conn, peer, src, dest, version);
  if (k >= 0) {
    if (frame !== undefined && routes.mustCheck(k) && !chatFrameTextIsUtf8(frame, at, len)) return undefined;
    return routes.via(k);
  }
  if (!sourceBelongs(s.hosts, conn, peer, src)) return undefined;
  // By id and next hop only: building a HostRecord per chat would allocate on the hot path.
  const hop = s.hosts.hopOf(dest);
  if (hop === undefined) return undefined;
  const via = s.hosts.linkOf(hop);
  if (via === undefined || via === conn) return undefined;
  const check = mustCheckChatTextTo(peer, s.hosts, dest, hop);
  routes.remember(conn, peer, src, dest, version, via, check);
  if (frame !== undefined && check && !chatFrameTextIsUtf8(frame, at, len)) return undefined;
  return via;
}

export function onChat(s: CoreState, conn: ConnId, peer: Peer, src: number, dest: number, msg: Message): void {
  if (!sourceBelongs(s.hosts, conn, peer, src)) return reject(s, conn, `chat from ${src} does not come from behind this connection`);
  const hop = s.hosts.hopOf(dest);
  const via = hop === undefined ? undefined : s.hosts.linkOf(hop);
  if (via !== undefined && via !== conn) {
    if (mustCheckChatTextTo(peer, s.hosts, dest, hop!) && !chatTextIsUtf8(msg)) {
      s.counters.chatsInvalidUtf8++;
      return reject(s, conn, `chat from ${src} to client ${dest} is not valid UTF-8: not delivered`);
    }
    s.out.send(via, msg.raw ?? encode(msg));
    return;
  }
  // Unknown destination: tell the sender. The course addresses the reply to 0, which only
  // works when the sender is adjacent; a non-adjacent sender's server would swallow it.
  const replyTo = s.hosts.linkOf(src) === conn ? 0 : src;
  s.out.event({ type: 'unknown-destination', from: src, to: dest });
  s.out.send(conn, statusFrame(s.id, replyTo, StatusCode.UnknownId, unknownIdText(dest)));
}
