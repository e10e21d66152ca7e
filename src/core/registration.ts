// ServerCore's registration rules: what a server or client registration on a connection does
// (trust-policy.ts judges it; here the verdict becomes table changes, answers and relays).
import { type RegistrationMessage, StatusCode, encode, setLastHop, withLastHop } from '../protocol/index.ts';
import { registrations } from './bursts.ts';
import { type CoreState, ownRegistration, reject } from './core-state.ts';
import { dropLink } from './departures.ts';
import type { ConnId, HostKind } from './effects.ts';
import type { HostRecord } from './host-table.ts';
import { announced } from './join-proof.ts';
import { pingFrame } from './liveness.ts';
import { duplicateClientText, duplicateServerText, hostLimitText, statusFrame, welcomeText } from './server-frames.ts';
import { HOST_LIMIT_STATUS } from './server-options.ts';
import { type Peer, judgeRegistration } from './trust-policy.ts';

export function onRegistration(s: CoreState, conn: ConnId, peer: Peer, msg: RegistrationMessage): void {
  const src = msg.sourceId;
  const v = judgeRegistration(s.id, s.hosts, peer, msg, s.options.maxHosts);
  switch (v.verdict) {
    case 'reject':
      return reject(s, conn, v.reason);
    case 'loop': {
      s.counters.loopsBroken++;
      // Keep the established link, cut the newer: a peer registered as one id on two
      // adjacent servers must lose its own link, not take the honest one between them.
      const known = s.hosts.hopOf(src);
      const arrival = (peer as { id: number }).id;
      if (known !== undefined && linkedAfter(s, known, arrival)) {
        const link = s.hosts.linkOf(known)!;
        reject(s, link, `${v.reason}; the link to server ${known} is the newer one: closed`);
        dropLink(s, link, known, v.reason);
        return onRegistration(s, conn, peer, msg); // judged again: src went with that link
      }
      reject(s, conn, v.reason);
      return dropLink(s, conn, arrival, v.reason);
    }
    case 'duplicate': {
      const text = v.kind === 'server' ? duplicateServerText(src) : duplicateClientText(src);
      s.out.send(conn, statusFrame(s.id, 0, StatusCode.DuplicateId, text));
      s.out.event({ type: 'duplicate-id', id: src, kind: v.kind });
      return;
    }
    case 'full':
      s.counters.registrationsRefused++;
      s.out.send(conn, statusFrame(s.id, 0, HOST_LIMIT_STATUS, hostLimitText(src, s.options.maxHosts)));
      if (!s.tableFull) {
        s.tableFull = true;
        s.out.event({ type: 'limit-reached', limit: 'max-hosts', value: s.options.maxHosts });
      }
      return;
    case 'echo':
      s.counters.echoesIgnored++;
      return;
    case 'repeat':
      s.counters.repeatsIgnored++;
      return;
    case 'accept':
      return learn(s, conn, peer, msg, v.kind, v.adjacent, v.seed);
  }
}

function learn(s: CoreState, conn: ConnId, peer: Peer, msg: RegistrationMessage, kind: HostKind, adjacent: boolean, seed: boolean): void {
  const src = msg.sourceId;
  const record: HostRecord = {
    id: src, kind, name: msg.name, info: msg.info,
    firstLinkId: adjacent ? src : (peer as { id: number }).id,
  };
  s.hosts.add(record, adjacent ? conn : undefined);
  s.out.event({ type: 'host-learned', id: src, kind, name: msg.name, firstLinkId: record.firstLinkId });
  const life = adjacent && kind === 'server' ? s.liveness.registered(conn, src) : undefined;
  // The first ping goes with the seed, so the answer (or the peer's own ping) comes back with
  // the peer's first frames; a link we dialled had one with our registration already.
  const probe = life !== undefined && !(peer.role === 'pending' && peer.outbound);
  if (adjacent) {
    s.dialling.delete(conn);
    s.conns.set(conn, kind === 'server'
      ? { role: 'server', id: src, outbound: peer.role === 'pending' && peer.outbound, life }
      : { role: 'client', id: src });
    s.out.event({ type: 'link-up', conn, peerId: src, kind });
  }
  // Relayed as received, only the last hop changed: in place when the bytes are this read's alone.
  const relayed = msg.raw ? (s.options.ownsFrames ? setLastHop(msg.raw, s.id) : withLastHop(msg.raw, s.id)) : encode({ ...msg, lastHopId: s.id });
  if (seed) {
    if (kind === 'server') {
      // Seed the newcomer: this server first (and the probe), then every other host it knows.
      // Our registration goes with last_hop 0, the one value all nine implementations in the
      // wild take as "the server I dialled is adjacent" (docs/protocol-notes.md); the rest as relayed.
      s.out.send(conn, encode(ownRegistration(s, 0)));
      if (probe) s.out.send(conn, pingFrame());
      s.out.stream(conn, registrations(s.hosts.knownNow(), s.id, (h) => h.id !== src && announced(s, h.id)));
    } else {
      s.out.send(conn, statusFrame(s.id, 0, StatusCode.Welcome, welcomeText(msg.name)));
      s.out.stream(conn, registrations(s.hosts.knownNow(), s.id, (h) => h.kind === 'client' && h.id !== src && announced(s, h.id)));
    }
  } else if (probe) {
    s.out.send(conn, pingFrame());
  }
  // A server that dialled us, pinged with its seed: announced once it answers (join-proof.ts);
  // what it relays meanwhile is learned here and announced with it.
  if (seed && kind === 'server' && probe) s.proof.hold(conn);
  if (s.proof.holds(conn)) return;
  s.out.broadcast(relayed, conn, kind === 'client');
}

/** Did adjacent server `a` link up after adjacent server `b`? (adjacentServers keeps link-up order.) */
function linkedAfter(s: CoreState, a: number, b: number): boolean {
  if (a === b) return false;
  for (const id of s.hosts.adjacentServers) {
    if (id === b) return true;
    if (id === a) return false;
  }
  return false;
}
