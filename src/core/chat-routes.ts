// The chat hot path's recent decisions, by (connection, source, destination): a stream of
// chats between one pair gets the same answer for every frame, so a hit skips the host-table
// lookups of routing.ts (five map lookups per chat per server). An entry holds while the host
// table is unchanged (its version: every add and forget bumps it) and the connection's peer
// is the same object (a registration, a quit or a close replaces or removes it), which is
// everything routeChat() reads. Direct-mapped and bounded: a miss only costs the lookups.
import type { ConnId } from './effects.ts';
import type { Peer } from './trust-policy.ts';

/** Entries, 2^BITS: enough for the flows crossing one server at a time. */
const BITS = 6;
const SIZE = 1 << BITS;

export class ChatRoutes {
  private readonly conn = new Float64Array(SIZE).fill(-1);
  private readonly src = new Uint32Array(SIZE);
  private readonly dest = new Uint32Array(SIZE);
  private readonly version = new Float64Array(SIZE).fill(-1);
  private readonly peer: Array<Peer | undefined> = new Array<Peer | undefined>(SIZE).fill(undefined);
  private readonly next = new Float64Array(SIZE);
  private readonly check = new Uint8Array(SIZE);

  /** The entry for this chat, or -1: it is valid for `peer` on `conn` at host-table `version`. */
  find(conn: ConnId, peer: Peer, src: number, dest: number, version: number): number {
    const k = slot(conn, src, dest);
    return this.version[k] === version && this.conn[k] === conn && this.src[k] === src && this.dest[k] === dest && this.peer[k] === peer ? k : -1;
  }

  /** The connection entry `k` forwards on. */
  via(k: number): ConnId {
    return this.next[k]!;
  }

  /** Must this server check the text of entry `k`'s chats (it hands them to their client)? */
  mustCheck(k: number): boolean {
    return this.check[k] === 1;
  }

  remember(conn: ConnId, peer: Peer, src: number, dest: number, version: number, via: ConnId, mustCheck: boolean): void {
    const k = slot(conn, src, dest);
    this.conn[k] = conn;
    this.peer[k] = peer;
    this.src[k] = src;
    this.dest[k] = dest;
    this.version[k] = version;
    this.next[k] = via;
    this.check[k] = mustCheck ? 1 : 0;
  }
}

function slot(conn: ConnId, src: number, dest: number): number {
  // Multiplicative hashing: the product's top bits mix every input bit.
  return Math.imul(src ^ Math.imul(dest, 0x85ebca6b) ^ conn, 0x9e3779b1) >>> (32 - BITS);
}
