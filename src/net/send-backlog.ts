// What a connection must send after a lazy burst, in order: frame iterators (a seed, a
// netsplit's departures) and the frames queued behind them while they run. The connection
// takes from it only as its socket drains, so a burst is encoded a little at a time.

type Item = Buffer | Iterator<Buffer>;

export class SendBacklog {
  private items: Array<Item | undefined> = [];
  private head = 0;
  /** Bytes of the queued frames (an iterator's are not known until it yields them). */
  bytes = 0;

  get empty(): boolean {
    return this.head === this.items.length;
  }

  push(item: Buffer | Iterable<Buffer>): void {
    if (Buffer.isBuffer(item)) {
      this.items.push(item);
      this.bytes += item.length;
    } else {
      this.items.push(item[Symbol.iterator]());
    }
  }

  /** The next frame to send, or undefined when there is none left. */
  next(): Buffer | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      if (Buffer.isBuffer(item)) {
        this.drop();
        this.bytes -= item.length;
        return item;
      }
      const r = item.next();
      if (!r.done) return r.value;
      this.drop();
    }
    return undefined;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** Past the head item; the array is compacted once most of it is behind, so a long backlog costs O(1) a frame. */
  private drop(): void {
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
