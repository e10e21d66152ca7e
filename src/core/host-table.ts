// The hosts a server knows and how it reaches them: PROTOCOL.md's hosts_db (a record per id
// with first_link_id), the adjacent servers and users, and the connection each adjacent host
// sits on. Pure bookkeeping: the rules about what to believe live in trust-policy.ts.
import type { ConnId, HostKind } from './effects.ts';

/** Records are never changed once made, so a view may hand them out without copying. */
export interface HostRecord {
  readonly id: number;
  readonly kind: HostKind;
  readonly name: string;
  readonly info: string;
  /** The adjacent host that is the next hop toward this one (its own id when adjacent). */
  readonly firstLinkId: number;
}

/** A record as the table keeps it: numbered in the order learned, so a lazy reader can stop at "known when I began". */
interface KeptRecord extends HostRecord {
  readonly seq: number;
}

export class HostTable {
  /** In the order they were learned. */
  private readonly hosts = new Map<number, KeptRecord>();
  private learned = 0;
  /** Adjacent host id -> its connection. */
  private readonly links = new Map<number, ConnId>();
  readonly adjacentServers = new Set<number>();
  readonly adjacentUsers = new Set<number>();

  get size(): number {
    return this.hosts.size;
  }
  get(id: number): HostRecord | undefined {
    return this.hosts.get(id);
  }
  has(id: number): boolean {
    return this.hosts.has(id);
  }
  values(): IterableIterator<HostRecord> {
    return this.hosts.values();
  }
  ids(): number[] {
    return [...this.hosts.keys()];
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
    for (const h of this.hosts.values()) {
      if (h.seq > last) return;
      yield h;
    }
  }

  /** Learn a host; `conn` is given when it is adjacent (it then sits on that connection). */
  add(record: HostRecord, conn?: ConnId): void {
    this.hosts.set(record.id, { ...record, seq: ++this.learned });
    if (conn === undefined) return;
    (record.kind === 'server' ? this.adjacentServers : this.adjacentUsers).add(record.id);
    this.links.set(record.id, conn);
  }

  forget(id: number): HostRecord | undefined {
    const h = this.hosts.get(id);
    if (!h) return undefined;
    this.hosts.delete(id);
    this.adjacentServers.delete(id);
    this.adjacentUsers.delete(id);
    this.links.delete(id);
    return h;
  }

  /** Every host reached through adjacent host `linkId`, that host included. */
  behind(linkId: number): HostRecord[] {
    return [...this.hosts.values()].filter((h) => h.firstLinkId === linkId);
  }

  /** The connection adjacent host `id` sits on. */
  linkOf(id: number): ConnId | undefined {
    return this.links.get(id);
  }

  /** The connection to send on to reach `id`, if any. */
  routeTo(id: number): ConnId | undefined {
    const h = this.hosts.get(id);
    return h === undefined ? undefined : this.links.get(h.firstLinkId);
  }
}
