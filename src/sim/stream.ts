// One in-memory byte connection on a Clock, as the sim's nodes and proxies see a socket: bytes
// written at one end arrive at the other, in order, `delayMs` later (0: on a later timer at the
// same virtual ms), one data call per write. A paused end stops receiving: bytes wait in its
// inbox, and the writer sees them in `writableLength` and gets `onDrain` once that falls back
// under the high-water mark (a socket's back-pressure). end() closes after what was written;
// destroy() at once (what was in flight is dropped). Either way both ends end closed, the peer
// told by onClose once.
import type { Clock, ClockTimer } from '../util/clock.ts';

/** Bytes a writer may have in flight before write() says wait (a socket buffer's worth). */
export const STREAM_HIGH_WATER = 64 * 1024;

export interface SimStream {
  /** Queue bytes toward the peer; false: past the high-water mark, wait for onDrain. */
  write(data: Buffer): boolean;
  /** Bytes written and not yet taken by the peer. */
  readonly writableLength: number;
  /** Close after the bytes written so far are delivered. */
  end(): void;
  /** Close now, dropping what is in flight both ways. */
  destroy(): void;
  pause(): void;
  resume(): void;
  readonly open: boolean;
  /** Set by the owner of this end. */
  onData: (data: Buffer) => void;
  onClose: () => void;
  onDrain: () => void;
}

interface Chunk {
  due: number;
  data: Buffer | null; // null: the writer's end()
}

class End implements SimStream {
  peer!: End;
  open = true;
  onData: (data: Buffer) => void = () => {};
  onClose: () => void = () => {};
  onDrain: () => void = () => {};
  /** Bytes on their way to this end, oldest first (a FIFO with a moving head). */
  private inbox: Chunk[] = [];
  private head = 0;
  /** Bytes in `inbox`: the peer's writableLength. */
  inflight = 0;
  private paused = false;
  private timer: ClockTimer | undefined;
  /** The peer is over the high-water mark and waits for a drain. */
  peerWaiting = false;
  private endSent = false;

  constructor(private readonly clock: Clock, private readonly delayMs: number) {}

  get writableLength(): number {
    return this.peer.inflight;
  }

  write(data: Buffer): boolean {
    if (!this.open || this.endSent) return false;
    const to = this.peer;
    if (!to.open) return false;
    to.receive({ due: this.clock.now() + this.delayMs, data });
    to.inflight += data.length;
    if (to.inflight > STREAM_HIGH_WATER) {
      to.peerWaiting = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (!this.open || this.endSent) return;
    this.endSent = true;
    if (this.peer.open) this.peer.receive({ due: this.clock.now() + this.delayMs, data: null });
  }

  destroy(): void {
    if (!this.open) return;
    const peer = this.peer;
    this.shut();
    // The peer hears of it after the link's delay, as a FIN would arrive; what was in flight to it is lost.
    if (peer.open) {
      peer.dropInbox();
      peer.receive({ due: this.clock.now() + this.delayMs, data: null });
    }
    this.onClose();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.arm();
  }

  private receive(c: Chunk): void {
    this.inbox.push(c);
    if (this.inbox.length - this.head === 1) this.arm();
  }

  private arm(): void {
    if (this.timer || this.paused || !this.open) return;
    const next = this.inbox[this.head];
    if (next) this.timer = this.clock.at(next.due, this.deliver);
  }

  private readonly deliver = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.open && !this.paused && this.head < this.inbox.length && this.inbox[this.head]!.due <= now) {
      const c = this.inbox[this.head]!;
      this.inbox[this.head++] = undefined as unknown as Chunk;
      if (c.data === null) {
        this.closeBoth();
        return;
      }
      this.inflight -= c.data.length;
      this.onData(c.data);
    }
    if (this.head > 1024 && this.head * 2 > this.inbox.length) {
      this.inbox = this.inbox.slice(this.head);
      this.head = 0;
    }
    if (this.peerWaiting && this.inflight <= STREAM_HIGH_WATER) {
      this.peerWaiting = false;
      if (this.peer.open) this.peer.onDrain();
    }
    this.arm();
  };

  private dropInbox(): void {
    this.inbox = [];
    this.head = 0;
    this.inflight = 0;
    this.clock.cancel(this.timer);
    this.timer = undefined;
  }

  /** The peer's close reached this end: this end closes too (the sim has no half-open sockets). */
  private closeBoth(): void {
    const peer = this.peer;
    this.shut();
    if (peer.open) {
      peer.shut();
      peer.onClose();
    }
    this.onClose();
  }

  private shut(): void {
    this.open = false;
    this.dropInbox();
  }
}

/** A connection: [the dialler's end, the acceptor's end]. */
export function streamPair(clock: Clock, delayMs = 0): [SimStream, SimStream] {
  const a = new End(clock, delayMs);
  const b = new End(clock, delayMs);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
