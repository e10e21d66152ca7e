// In-memory byte pipes: each connection is two ends, and bytes written at one end wait in the
// other end's inbox until delivered. Delivery is FIFO over one global queue of per-end turns.
// With a chunk seed, a turn hands over a seeded-random number of the bytes waiting instead of
// exactly one write, so frames are split across reads and several frames share one read.
import type { ConnId } from '../core/index.ts';
import { FrameDecoder } from '../protocol/index.ts';
import { mulberry32 } from '../util/random.ts';

export interface PipeEnd<N> {
  node: N;
  conn: ConnId;
  peer: PipeEnd<N>;
  /** the receiving side's framing: each end decodes what arrives at it */
  decoder: FrameDecoder;
  /** bytes in flight toward this end, oldest first */
  inbox: Buffer[];
  /** the peer closed: deliver closed() once the inbox drains */
  fin: boolean;
  open: boolean;
  /** turns of this end waiting in the global queue */
  tokens: number;
}

export interface PipeHandlers<N> {
  /** bytes arrived at `end` */
  data(end: PipeEnd<N>, chunk: Buffer): void;
  /** the peer's close reached `end` (after every byte it sent before closing) */
  closed(end: PipeEnd<N>): void;
}

export class Pipes<N> {
  private queue: PipeEnd<N>[] = [];
  private head = 0;
  private nextConn = 1;
  private readonly random: (() => number) | undefined;

  constructor(private readonly handlers: PipeHandlers<N>, chunkSeed?: number) {
    this.random = chunkSeed === undefined ? undefined : mulberry32(chunkSeed);
  }

  /** A new connection between `a` and `b`; each end has its own ConnId. */
  connect(a: N, b: N): [PipeEnd<N>, PipeEnd<N>] {
    const mk = (node: N): PipeEnd<N> => ({
      node, conn: this.nextConn++, peer: undefined as unknown as PipeEnd<N>, decoder: new FrameDecoder(),
      inbox: [], fin: false, open: true, tokens: 0,
    });
    const ea = mk(a);
    const eb = mk(b);
    ea.peer = eb;
    eb.peer = ea;
    return [ea, eb];
  }

  send(from: PipeEnd<N>, data: Buffer): void {
    if (!from.open) return; // writing on a socket already closed locally: dropped
    const to = from.peer;
    if (!to.open) return;
    to.inbox.push(Buffer.from(data)); // a copy: the sender may not touch what is in flight
    this.push(to);
  }

  /** Close `end` locally; the peer sees closed() after the bytes already in flight to it. */
  closeFrom(end: PipeEnd<N>): void {
    if (!end.open) return;
    this.shut(end);
    const peer = end.peer;
    if (peer.open) {
      peer.fin = true;
      this.push(peer);
    }
  }

  /** Close `end` at once, dropping whatever was in flight to it. */
  shut(end: PipeEnd<N>): void {
    end.open = false;
    end.inbox = [];
  }

  /** Deliver one turn. Returns false when nothing is in flight. */
  step(): boolean {
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      return false;
    }
    const end = this.queue[this.head++]!;
    end.tokens--;
    if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (!end.open) return true;
    if (end.inbox.length > 0) {
      this.handlers.data(end, this.take(end));
    } else if (end.fin) {
      end.fin = false;
      this.shut(end);
      this.handlers.closed(end);
    }
    if (end.open && end.tokens === 0 && (end.inbox.length > 0 || end.fin)) this.push(end);
    return true;
  }

  get inFlight(): boolean {
    return this.head < this.queue.length;
  }

  private push(end: PipeEnd<N>): void {
    end.tokens++;
    this.queue.push(end);
  }

  private take(end: PipeEnd<N>): Buffer {
    if (!this.random) return end.inbox.shift()!;
    const total = end.inbox.reduce((n, b) => n + b.length, 0);
    const r = this.random();
    // half the time a small piece (splits headers and bodies), else anything up to all of it
    const n = r < 0.5 ? 1 + Math.floor(this.random() * Math.min(total, 16)) : 1 + Math.floor(this.random() * total);
    const all = Buffer.concat(end.inbox);
    const chunk = all.subarray(0, n);
    const rest = all.subarray(n);
    end.inbox = rest.length > 0 ? [Buffer.from(rest)] : [];
    return Buffer.from(chunk);
  }
}
