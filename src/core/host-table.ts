// The hosts a server knows and how it reaches them: PROTOCOL.md's hosts_db (a record per id
// with first_link_id), the adjacent servers and users, and the connection each adjacent host
// sits on. Pure bookkeeping: the rules about what to believe live in trust-policy.ts.
//
// Memory layout (every server knows every host, so this is N² in total and per-record bytes
// decide how big a network fits): the id, kind, name and info live once per thread in the
// HostDirectory; a record here is its position in learning order, holding a pointer to the
// shared descriptor (8 bytes), the next hop (4) and the learning number (4), plus 4 bytes in
// the slot index (directory slot -> position). No object per record: views build one on demand.
import type { ConnId, HostKind } from './effects.ts';
import { type HostDescriptor, HostDirectory, threadDirectory } from './host-directory.ts';

/** A host as a view hands it out (built on demand; changing it changes nothing). */
export interface HostRecord {
  readonly id: number;
  readonly kind: HostKind;
  readonly name: string;
  readonly info: string;
  /** The adjacent host that is the next hop toward this one (its own id when adjacent). */
  readonly firstLinkId: number;
}

/** Holes (forgotten records) tolerated before the arrays are packed: at least this many, and more than the live ones. */
const COMPACT_MIN_HOLES = 1024;

export class HostTable {
  /** Per position, in the order learned: the shared descriptor, undefined once forgotten. */
  private desc: Array<HostDescriptor | undefined> = [];
  private hop = new Uint32Array(16);
  /** Learning number per position (ascending), so a lazy reader finds its place after a compaction. */
  private seq = new Uint32Array(16);
  /** Directory slot -> position + 1 (0: not known here). */
  private posOfSlot = new Int32Array(0);
  private live = 0;
  private learned = 0;
  /** Bumped by every compaction: positions a reader holds are stale after it. */
  private generation = 0;
  /** Adjacent host id -> its connection. */
  private readonly links = new Map<number, ConnId>();
  readonly adjacentServers = new Set<number>();
  readonly adjacentUsers = new Set<number>();

  constructor(private readonly directory: HostDirectory = threadDirectory) {}

  get size(): number {
    return this.live;
  }
  /**
   * Grows by one with every host learned or forgotten (and so with every link added or removed):
   * a route worked out at one version holds while it lasts (chat-routes.ts). An add raises
   * `learned` and `live` by one, a forget lowers `live` by one: both raise 2·learned − live by one.
   */
  get version(): number {
    return 2 * this.learned - this.live;
  }
  /** Positions in use, holes included (for memory accounting). */
  get positions(): number {
    return this.desc.length;
  }

  private posOf(id: number): number {
    const slot = this.directory.slotOf(id);
    if (slot === undefined) return -1;
    return (this.posOfSlot[slot] ?? 0) - 1;
  }

  private recordAt(p: number): HostRecord {
    const d = this.desc[p]!;
    return { id: d.id, kind: d.kind, name: d.name, info: d.info, firstLinkId: this.hop[p]! };
  }

  get(id: number): HostRecord | undefined {
    const p = this.posOf(id);
    return p < 0 ? undefined : this.recordAt(p);
  }
  has(id: number): boolean {
    return this.posOf(id) >= 0;
  }
  /** The next hop toward `id`, without building a record (the per-frame checks use it). */
  hopOf(id: number): number | undefined {
    const p = this.posOf(id);
    return p < 0 ? undefined : this.hop[p];
  }
  kindOf(id: number): HostKind | undefined {
    const p = this.posOf(id);
    return p < 0 ? undefined : this.desc[p]!.kind;
  }
  *values(): IterableIterator<HostRecord> {
    for (let p = 0; p < this.desc.length; p++) if (this.desc[p] !== undefined) yield this.recordAt(p);
  }
  ids(): number[] {
    const out: number[] = [];
    for (const d of this.desc) if (d !== undefined) out.push(d.id);
    return out;
  }

  /**
   * The hosts known now, read lazily in the order learned: one learned after this call is
   * left out (it reaches the reader as a broadcast), one forgotten before it is read is
   * skipped (its departure follows). O(1) memory however long the read takes.
   */
  knownNow(): IterableIterator<HostRecord> {
    return this.learnedUpTo(this.learned);
  }

  private *learnedUpTo(last: number): IterableIterator<HostRecord> {
    let gen = this.generation;
    let p = 0;
    let nextSeq = 1;
    for (;;) {
      if (gen !== this.generation) {
        gen = this.generation;
        p = this.firstAtOrAfter(nextSeq);
      }
      if (p >= this.desc.length) return;
      const s = this.seq[p]!;
      if (s > last) return;
      nextSeq = s + 1;
      const here = p++;
      if (this.desc[here] !== undefined) yield this.recordAt(here);
    }
  }

  /** The first position whose learning number is at least `s` (positions ascend by it). */
  private firstAtOrAfter(s: number): number {
    let lo = 0;
    let hi = this.desc.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seq[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Learn a host (not known yet: the caller checked); `conn` is given when it is adjacent. */
  add(record: HostRecord, conn?: ConnId): void {
    if (this.has(record.id)) this.forget(record.id);
    const d = this.directory.acquire(record.id, record.kind, record.name, record.info);
    const p = this.desc.length;
    if (p === this.hop.length) {
      this.hop = grown(this.hop, p * 2);
      this.seq = grown(this.seq, p * 2);
    }
    if (d.slot >= this.posOfSlot.length) this.posOfSlot = grown(this.posOfSlot, Math.max(16, this.directory.capacity, d.slot + 1, this.posOfSlot.length * 2));
    this.desc.push(d);
    this.hop[p] = record.firstLinkId;
    this.seq[p] = ++this.learned;
    this.posOfSlot[d.slot] = p + 1;
    this.live++;
    if (conn === undefined) return;
    (record.kind === 'server' ? this.adjacentServers : this.adjacentUsers).add(record.id);
    this.links.set(record.id, conn);
  }

  forget(id: number): HostRecord | undefined {
    const p = this.posOf(id);
    if (p < 0) return undefined;
    const h = this.recordAt(p);
    const d = this.desc[p]!;
    this.posOfSlot[d.slot] = 0;
    this.desc[p] = undefined;
    this.directory.release(d);
    this.live--;
    this.adjacentServers.delete(id);
    this.adjacentUsers.delete(id);
    this.links.delete(id);
    const holes = this.desc.length - this.live;
    if (holes >= COMPACT_MIN_HOLES && holes > this.live) this.compact();
    return h;
  }

  /** Pack the live records to the front, in order; readers find their place by learning number. */
  private compact(): void {
    let q = 0;
    for (let p = 0; p < this.desc.length; p++) {
      const d = this.desc[p];
      if (d === undefined) continue;
      this.desc[q] = d;
      this.hop[q] = this.hop[p]!;
      this.seq[q] = this.seq[p]!;
      this.posOfSlot[d.slot] = q + 1;
      q++;
    }
    this.desc.length = q;
    const room = Math.max(16, q * 2);
    if (this.hop.length > room * 2) {
      this.hop = this.hop.slice(0, room);
      this.seq = this.seq.slice(0, room);
    }
    this.generation++;
  }

  /** Every host reached through adjacent host `linkId`, that host included. */
  behind(linkId: number): HostRecord[] {
    const out: HostRecord[] = [];
    for (let p = 0; p < this.desc.length; p++) if (this.desc[p] !== undefined && this.hop[p] === linkId) out.push(this.recordAt(p));
    return out;
  }

  /** The connection adjacent host `id` sits on. */
  linkOf(id: number): ConnId | undefined {
    return this.links.get(id);
  }

  /** The connection to send on to reach `id`, if any. */
  routeTo(id: number): ConnId | undefined {
    const hop = this.hopOf(id);
    return hop === undefined ? undefined : this.links.get(hop);
  }
}

function grown<T extends Uint32Array | Int32Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}
