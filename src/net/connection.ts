// A CRC connection over a TCP socket: streaming decode on the way in, a batched and bounded
// write queue on the way out. Everything a node sends during one turn of the event loop goes
// out as one write per socket (flushed in the check phase), so a burst of forwarded frames
// costs one syscall, not one per frame.
import type { Socket } from 'node:net';
import { type DecodeError, type DecodedMessage, FrameDecoder, type Limits } from '../protocol/index.ts';
import { TrafficCounters } from './counters.ts';

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

// One flush for every connection written to during this turn of the event loop.
const dirty = new Set<FramedConnection>();
let flushScheduled = false;
function scheduleFlush(conn: FramedConnection): void {
  dirty.add(conn);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}
function flushAll(): void {
  flushScheduled = false;
  for (const c of dirty) c.flush();
  dirty.clear();
}

export class FramedConnection {
  readonly decoder: FrameDecoder;
  readonly counters: TrafficCounters;
  readonly maxQueueBytes: number;
  private queue: Buffer[] = [];
  private queued = 0;
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
    return this.queued + this.socket.writableLength;
  }

  send(data: Buffer): void {
    if (this.closing !== undefined || this.socket.destroyed) return;
    this.queue.push(data);
    this.queued += data.length;
    this.counters.countOut(data);
    if (this.queued + this.socket.writableLength > this.maxQueueBytes) {
      this.destroy(`send queue exceeded ${this.maxQueueBytes} bytes: the peer is not reading`);
      return;
    }
    scheduleFlush(this);
  }

  flush(): void {
    if (this.queued === 0) return;
    const q = this.queue;
    const n = this.queued;
    this.queue = [];
    this.queued = 0;
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(q.length === 1 ? q[0]! : Buffer.concat(q, n));
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
    this.queue = [];
    this.queued = 0;
    this.socket.destroy();
  }

  /** Abort with a TCP RST. */
  reset(reason: string): void {
    this.closing ??= reason;
    this.queue = [];
    this.queued = 0;
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
    dirty.delete(this);
    this.queue = [];
    this.queued = 0;
    this.handlers.onClose(this, this.closedReason);
  }
}
