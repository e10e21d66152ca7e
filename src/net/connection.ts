// A CRC connection over a TCP socket: streaming decode on the way in, a batched and bounded
// write queue on the way out. Everything a node sends during one turn of the event loop goes
// out as one write per socket (flushed in the check phase), so a burst of forwarded frames
// costs one syscall, not one per frame. A lazy burst (stream()) is pulled a chunk at a time as
// the socket drains; with a server's FlowControl, a queue past high water holds its feeders' reads.
import type { Socket } from 'node:net';
import { type ChatRouter, chatFrameTextIsUtf8, type DecodeError, type DecodedMessage, FrameDecoder, type Limits, readU32 } from '../protocol/index.ts';
import { TrafficCounters } from './counters.ts';
import { type Congestion, type FlowControl, formatBytes } from './flow-control.ts';
import { SendBacklog } from './send-backlog.ts';
import { WriteBatch, endOfTurn } from './write-coalescer.ts';

export interface ConnectionHandlers {
  onMessages(conn: FramedConnection, messages: DecodedMessage[]): void;
  onDecodeError(conn: FramedConnection, error: DecodeError): void;
  /** Called once, after the socket is gone. `reason` says why, in words. */
  onClose(conn: FramedConnection, reason: string): void;
}

export interface ConnectionOptions {
  limits?: Partial<Limits>;
  /** Bytes a peer may leave unread (our queue plus the socket's buffer) before it is cut off. */
  maxQueueBytes?: number;
  counters?: TrafficCounters;
  /** The server's back-pressure; without it (a client) only maxQueueBytes bounds the queue. */
  flow?: FlowControl;
  /** Called when the queue passes maxQueueBytes, just before the cut. */
  onQueueLimit?: () => void;
}

/**
 * Where a chat read on a trusted link goes when its bytes can be forwarded as they are (the
 * server's routing rules decide); undefined: it takes the decoded path.
 */
export type ChatRoute = (from: FramedConnection, src: number, dest: number, frame: Buffer, at: number, len: number) => FramedConnection | undefined;

/** Is `frame` a small view of a much bigger buffer than the shared pool's slabs (a socket read)? */
const pinsMore = (frame: Buffer): boolean => frame.buffer.byteLength > Buffer.poolSize && frame.length * 16 < frame.buffer.byteLength;

export const DEFAULT_MAX_QUEUE_BYTES = 16 * 1024 * 1024;
/** A lazy burst is pulled until about this much waits for the socket, then again on 'drain'. */
const STREAM_CHUNK = 64 * 1024;

export class FramedConnection implements ChatRouter {
  readonly decoder: FrameDecoder;
  readonly counters: TrafficCounters;
  readonly maxQueueBytes: number;
  /** What this turn sends, written as one buffer in the turn's check phase. */
  private readonly out: WriteBatch;
  /** Frames behind a lazy burst, while one runs. */
  private backlog: SendBacklog | undefined;
  private endAfterBacklog = false;
  /** Bytes handed to the socket since the start. */
  private handed = 0;
  /**
   * The socket's own buffer as of our last write or drain. It only shrinks unseen between
   * looks, so send() adds it for an upper bound of the queue without reading the stream's
   * getter per frame; past watchAt the queue is measured exactly.
   */
  private socketQueued = 0;
  /** Above this (an estimate) send() measures the queue: the smaller of the hard limit and high water. */
  private readonly watchAt: number;
  private holds = 0;
  /** Reads were held at some point since the last takeHeldSinceSweep() (liveness must not read that silence). */
  private heldSinceSweep = false;
  private closing: string | undefined;
  private closedReason: string | undefined;
  readonly remote: string;
  private readonly flow: FlowControl | undefined;
  private readonly onQueueLimit: (() => void) | undefined;
  // Kept by the FlowControl and the server's timeout sweep:
  /** The queue as the flow control last measured it. */
  measured = 0;
  congestion: Congestion | undefined;
  budgetHeld = false;
  /** A registered server link (set by the server node), for the back-pressure counters. */
  serverLink = false;
  /** The decoder's frame count when the sweep first saw the unfinished frame it holds (-1: none), and when. */
  frameWatch = -1;
  frameWatchSince = 0;
  /**
   * Set by the server node: whole chats in a read are routed by their header and forwarded
   * as byte ranges of the read, with no message made per frame (their text checked here
   * unless the link is trusted, lazyChatText).
   */
  chatRoute: ChatRoute | undefined;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly outbound: boolean,
    private readonly handlers: ConnectionHandlers,
    options: ConnectionOptions = {},
  ) {
    this.decoder = new FrameDecoder(options.limits);
    this.counters = options.counters ?? new TrafficCounters();
    this.maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.flow = options.flow;
    this.onQueueLimit = options.onQueueLimit;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.watchAt = Math.min(this.maxQueueBytes, this.flow?.highWater ?? Infinity);
    this.out = new WriteBatch(endOfTurn, (buf) => {
      if (socket.destroyed || !socket.writable) return;
      this.handed += buf.length;
      const underMark = socket.write(buf);
      this.socketQueued = socket.writableLength;
      // A write that leaves the socket's buffer under its mark raises no 'drain' later: a lazy
      // burst or a congestion waiting on one looks again once this flush is over.
      if (underMark && (this.backlog !== undefined || this.congestion !== undefined)) queueMicrotask(this.onDrain);
    });
    socket.setNoDelay(true); // small frames must not wait for Nagle
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.closing ??= err.code === 'ECONNRESET' ? 'connection reset by peer' : `socket error: ${err.message}`;
    });
    socket.on('end', () => {
      this.closing ??= 'peer closed the connection';
      // Finish writing what we owe, then close our side too.
      this.flush();
      socket.end();
    });
    socket.on('drain', this.onDrain);
    socket.on('close', () => this.onSocketClose());
  }

  get isOpen(): boolean {
    return this.closedReason === undefined && !this.socket.destroyed;
  }

  /** Bytes waiting: ours (this turn's, and those behind a lazy burst) plus the socket's own buffer. */
  get pendingBytes(): number {
    this.socketQueued = this.socket.writableLength;
    return this.out.bytes + (this.backlog?.bytes ?? 0) + this.socketQueued;
  }

  /** Bytes the peer has taken (the kernel accepted them) since the start. */
  get drainedBytes(): number {
    return this.handed - this.socket.writableLength;
  }

  /** Is reading from the peer held (back-pressure or the server's budget)? */
  get readsHeld(): boolean {
    return this.holds > 0;
  }

  send(data: Buffer): void {
    if (this.closing !== undefined || this.socket.destroyed) return;
    if (this.backlog) {
      // Behind the burst, in order; counted when it leaves. It may wait long: a frame that is a
      // small view of a read (a registration relayed in place) is copied, not left pinning the read.
      this.backlog.push(pinsMore(data) ? Buffer.from(data) : data);
    } else {
      this.out.push(data);
      this.counters.countOut(data);
    }
    this.checkQueue(data[0]!);
  }

  /** send() for one frame at `buf[at, at + len)`, with no view made when it continues this turn's run. */
  sendRange(buf: Buffer, at: number, len: number): void {
    if (this.closing !== undefined || this.socket.destroyed) return;
    if (this.backlog) {
      this.backlog.push(buf.subarray(at, at + len));
    } else {
      this.out.pushRange(buf, at, len);
      this.counters.countOutFrame(buf[at]!, len);
    }
    this.checkQueue(buf[at]!);
  }

  /** The SendQ bound and the server's back-pressure, after a frame of type `frameType` was queued. */
  private checkQueue(frameType: number): void {
    let q = this.out.bytes + (this.backlog?.bytes ?? 0) + this.socketQueued;
    if (q > this.watchAt) q = this.pendingBytes; // near a limit, or so it seems: measure
    if (q > this.maxQueueBytes) {
      this.onQueueLimit?.();
      this.destroy(`SendQ exceeded ${this.maxQueueBytes} bytes: the peer is not reading (${formatBytes(q)} queued)`);
      return;
    }
    const flow = this.flow;
    if (flow === undefined) return;
    flow.queued += q - this.measured;
    this.measured = q;
    if (q > flow.highWater || flow.queued > flow.budget) flow.pressure(this, q, frameType);
  }

  /**
   * Send `frames` lazily, in order with what is sent before and after: pulled about
   * STREAM_CHUNK bytes at a time, each time the socket has written what it held.
   */
  stream(frames: Iterable<Buffer>): void {
    if (this.closing !== undefined || this.socket.destroyed) return;
    (this.backlog ??= new SendBacklog()).push(frames);
    this.pump();
  }

  /** Write what this turn has queued now. */
  flush(): void {
    this.out.flush();
  }

  /** Send what is queued (a lazy burst to its end), then close gracefully. */
  end(reason: string): void {
    this.closing ??= reason;
    if (this.backlog) {
      this.endAfterBacklog = true;
      return;
    }
    this.flush();
    this.socket.end();
  }

  holdReads(): void {
    this.heldSinceSweep = true;
    if (this.holds++ === 0) this.socket.pause();
  }

  /** Were reads held at any time since the last call (or are they now)? Clears the mark. */
  takeHeldSinceSweep(): boolean {
    const held = this.heldSinceSweep || this.holds > 0;
    this.heldSinceSweep = false;
    return held;
  }

  releaseReads(): void {
    if (--this.holds === 0 && !this.socket.destroyed) this.socket.resume();
  }

  /** Close at once, dropping anything unsent. */
  destroy(reason: string): void {
    this.closing ??= reason;
    this.dropQueued();
    this.socket.destroy();
  }

  /** Abort with a TCP RST. */
  reset(reason: string): void {
    this.closing ??= reason;
    this.dropQueued();
    this.socket.resetAndDestroy();
  }

  private dropQueued(): void {
    this.out.clear();
    this.backlog = undefined;
  }

  /** Move the backlog into this turn's batch until about STREAM_CHUNK bytes wait for the socket. */
  private pump(): void {
    const backlog = this.backlog!;
    while (this.out.bytes + this.socket.writableLength < STREAM_CHUNK) {
      const frame = backlog.next();
      if (frame === undefined) {
        this.backlog = undefined;
        if (this.endAfterBacklog) {
          this.flush();
          this.socket.end();
        }
        return;
      }
      this.out.push(frame);
      this.counters.countOut(frame);
    }
  }

  private readonly onDrain = (): void => {
    if (this.socket.destroyed) return;
    if (this.backlog) this.pump();
    this.flow?.drained(this);
  };

  /** ChatRouter: a whole chat in a read on a trusted link, forwarded as is if the route allows. */
  chat(buf: Buffer, at: number, len: number): boolean {
    if (!this.isOpen) return false; // the decoded path drops it
    // Text enters the network on an untrusted link: invalid UTF-8 takes the decoded path, which fails it.
    if (!this.decoder.lazyChatText && !chatFrameTextIsUtf8(buf, at, len)) return false;
    const to = this.chatRoute?.(this, readU32(buf, at + 1), readU32(buf, at + 5), buf, at, len);
    if (to === undefined) return false;
    this.counters.countRoutedChat(len);
    to.sendRange(buf, at, len);
    return true;
  }

  /** ChatRouter: frames decoded ahead of a routed chat, handled first. */
  deliver(messages: DecodedMessage[]): void {
    this.counters.countIn(messages);
    this.handlers.onMessages(this, messages);
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.length;
    const flow = this.flow;
    // What these frames cause to be queued on a congested connection pauses this one.
    if (flow !== undefined) flow.reading = this;
    let error: DecodeError | undefined;
    try {
      const result = this.decoder.feed(chunk, this.chatRoute === undefined ? undefined : this);
      error = result.error;
      if (result.messages.length > 0) this.deliver(result.messages);
    } finally {
      if (flow !== undefined) flow.reading = undefined;
    }
    if (error) {
      this.counters.decodeErrors++;
      this.handlers.onDecodeError(this, error);
      this.destroy(`bad frame: ${error.message}`);
    }
  }

  private onSocketClose(): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = this.closing ?? 'connection closed';
    endOfTurn.forget(this.out);
    this.dropQueued();
    this.handlers.onClose(this, this.closedReason);
    this.flow?.closed(this);
  }
}
