// A server's status log, kept as a ring of the last `capacity` entries: anyone entitled to
// write it can write it forever, so memory must not grow with what they send.

export class StatusRing {
  private readonly items: string[] = [];
  /** Where the next entry goes once the ring is full (the oldest entry's index). */
  private next = 0;
  /** Entries pushed out to make room, since the start. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`status log size must be an integer of at least 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  /** Append; returns true when that pushed the oldest entry out. */
  push(entry: string): boolean {
    if (this.items.length < this.capacity) {
      this.items.push(entry);
      return false;
    }
    this.items[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.dropped++;
    return true;
  }

  /** The newest `n` entries (all by default), oldest first. */
  last(n = this.capacity): string[] {
    const ordered = this.next === 0 ? this.items : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
    return n >= ordered.length ? [...ordered] : ordered.slice(ordered.length - n);
  }
}
