// A CRC connection over a TCP socket: streaming decode on the way in, a batched and bounded
// write queue on the way out. Everything a node sends during one turn of the event loop goes
// out as one write per socket (flushed in the check phase), so a burst of forwarded frames
// costs one syscall, not one per frame.
import type { Socket } from 'node:net';
import { type DecodeError, type DecodedMessage, FrameDecoder, type Limits } from '../protocol/index.ts';
import { TrafficCounters } from './counters.ts';
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
}

export const DEFAULT_MAX_QUEUE_BYTES = 16 * 1024 * 1024;

export class FramedConnection {
  readonly decoder: FrameDecoder;
  readonly counters: TrafficCounters;
  readonly maxQueueBytes: number;
  /** What this turn sends, written as one buffer in the turn's check phase. */
  private readonly out: WriteBatch;
  private closing: string | undefined;
  private closedReason: string | undefined;
  /** Set when the peer sent EOF: it will read no more from us only if it also closes. */
  readonly remote: string;

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
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.out = new WriteBatch(endOfTurn, (buf) => {
      if (!socket.destroyed && socket.writable) socket.write(buf);
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
    socket.on('close', () => this.onSocketClose());
  }

  get isOpen(): boolean {
    return this.closedReason === undefined && !this.socket.destroyed;
  }

  /** Bytes waiting: ours plus the socket's own buffer. */
  get pendingBytes(): number {
    return this.out.bytes + this.socket.writableLength;
  }

  send(data: Buffer): void {
    if (this.closing !== undefined || this.socket.destroyed) return;
    this.out.push(data);
    this.counters.countOut(data);
    if (this.out.bytes + this.socket.writableLength > this.maxQueueBytes) {
      this.destroy(`send queue exceeded ${this.maxQueueBytes} bytes: the peer is not reading`);
    }
  }

  /** Write what this turn has queued now. */
  flush(): void {
    this.out.flush();
  }

  /** Send what is queued, then close gracefully. */
  end(reason: string): void {
    this.closing ??= reason;
    this.flush();
    this.socket.end();
  }

  /** Close at once, dropping anything unsent. */
  destroy(reason: string): void {
    this.closing ??= reason;
    this.out.clear();
    this.socket.destroy();
  }

  /** Abort with a TCP RST. */
  reset(reason: string): void {
    this.closing ??= reason;
    this.out.clear();
    this.socket.resetAndDestroy();
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.length;
    const { messages, error } = this.decoder.feed(chunk);
    if (messages.length > 0) {
      this.counters.countIn(messages);
      this.handlers.onMessages(this, messages);
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
    this.out.clear();
    this.handlers.onClose(this, this.closedReason);
  }
}
