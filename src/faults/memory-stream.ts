// An in-memory duplex on a Clock: the two ends of a TCP connection without the kernel, so a
// link proxy (and the cores it joins) can run in virtual time. What one end writes reaches the
// other as 'data' on a later clock turn (at the same clock time: the pipe itself adds no delay;
// toxics add it), in order. The writer's writableLength counts what its peer has not read yet:
// write() returns false past the high-water mark and 'drain' follows once the peer has read
// everything, so back-pressure works as on a socket (a paused reader backs its writer up).
//
// Like net.Socket: reading starts when a 'data' listener is added or resume() is called;
// end() half-closes (the peer reads 'end' after the bytes before it; without allowHalfOpen it
// ends back); an end closes ('close') once it has read the peer's end and its own end was read;
// destroy() closes at once (the peer reads what was already written, then 'end');
// resetAndDestroy() makes the peer read ECONNRESET (what it had not read is lost). An end made
// `connecting` waits for accept() ('connect') or refuse() (error and close).
// Unlike a socket: buffers are handed to the reader as written, not copied (do not change one
// until writableLength says it was read), and 'error' is only emitted to a listener.
import { EventEmitter } from 'node:events';
import type { Clock, ClockTimer } from '../util/clock.ts';
import type { ByteStream } from './byte-stream.ts';
import { Fifo } from './fifo.ts';

export interface MemoryStreamOptions {
  /** Names the end in errors. */
  name?: string;
  /** Keep writing after the peer's end (net's allowHalfOpen). Default false: end back at once. */
  allowHalfOpen?: boolean;
  /** write() returns false once the peer has this many bytes unread. Default 16 KiB (a socket's). */
  highWaterMark?: number;
  /** More unread than this: the writer ignored back-pressure, and the connection is reset. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** Dialled: reading and writing wait for accept() (or refuse()). Default false: connected. */
  connecting?: boolean;
}

const DEFAULT_HIGH_WATER = 16 * 1024;
const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** A connected pair of ends on `clock`: what `a` writes, `b` reads, and back. */
export function memoryPair(clock: Clock, a: MemoryStreamOptions = {}, b: MemoryStreamOptions = {}): [MemoryStream, MemoryStream] {
  const x = new MemoryStream(clock, { name: 'a', ...a });
  const y = new MemoryStream(clock, { name: 'b', ...b });
  x.peer = y;
  y.peer = x;
  return [x, y];
}

export class MemoryStream extends EventEmitter implements ByteStream {
  /** The other end (set by memoryPair). */
  peer!: MemoryStream;
  readonly name: string;
  readonly allowHalfOpen: boolean;
  readonly highWaterMark: number;
  readonly maxBufferedBytes: number;
  connecting: boolean;
  destroyed = false;
  /** What the peer wrote and this end has not read, in order; `inboxBytes` of it. */
  private readonly inbox = new Fifo<Buffer>();
  private inboxBytes = 0;
  /** The peer ended: 'end' comes after the inbox. */
  private finQueued = false;
  private readEnded = false;
  private writeEnded = false;
  /** This end's end() was read by the peer (or the peer is gone). */
  private writeFinished = false;
  private needDrain = false;
  /** null: not yet reading (until a 'data' listener or resume()). */
  private flowing: boolean | null = null;
  private delivery: ClockTimer | undefined;
  private closeEmitted = false;

  constructor(private readonly clock: Clock, options: MemoryStreamOptions = {}) {
    super();
    this.name = options.name ?? 'memory stream';
    this.allowHalfOpen = options.allowHalfOpen ?? false;
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.connecting = options.connecting ?? false;
    this.on('newListener', (event) => {
      if (event === 'data' && this.flowing === null) this.later(() => this.schedule());
    });
  }

  get writableLength(): number {
    return this.peer.destroyed ? 0 : this.peer.inboxBytes;
  }

  write(chunk: Buffer | Uint8Array | string): boolean {
    if (this.destroyed || this.writeEnded) return false;
    const p = this.peer;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (p.destroyed || buf.length === 0) return true; // gone: the bytes vanish, as into a socket the peer closed
    p.inbox.push(buf);
    p.inboxBytes += buf.length;
    if (p.inboxBytes > this.maxBufferedBytes) {
      this.fail('ENOBUFS', `${this.name}: more than ${this.maxBufferedBytes} bytes unread by the peer (the writer ignored back-pressure)`);
      return false;
    }
    p.schedule();
    if (p.inboxBytes < this.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  pause(): this {
    this.flowing = false;
    return this;
  }

  resume(): this {
    this.flowing = true;
    this.schedule();
    return this;
  }

  end(): this {
    if (this.destroyed || this.writeEnded) return this;
    this.writeEnded = true;
    const p = this.peer;
    if (p.destroyed) {
      this.writeFinished = true;
      this.later(() => this.maybeClose());
    } else {
      p.finQueued = true;
      p.schedule();
    }
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.drop();
    const p = this.peer;
    if (!p.destroyed && !p.finQueued) {
      p.finQueued = true; // what was written still arrives, then the end
      p.schedule();
    }
    this.emitClose(false);
    return this;
  }

  resetAndDestroy(): this {
    if (this.destroyed) return this;
    this.drop();
    const p = this.peer;
    this.later(() => p.onReset());
    this.emitClose(false);
    return this;
  }

  /** A connecting end: the peer accepted ('connect' on a later turn; bytes flow from then). */
  accept(): void {
    if (!this.connecting || this.destroyed) return;
    this.later(() => {
      if (this.destroyed) return;
      this.connecting = false;
      this.emit('connect');
      this.schedule();
      this.peer.schedule();
    });
  }

  /** A connecting end: nobody listens (error `code`, then close). */
  refuse(code = 'ECONNREFUSED', why = 'connection refused'): void {
    if (!this.connecting || this.destroyed) return;
    this.fail(code, `${this.name}: ${why} (${code})`);
  }

  // ---- delivery ----

  private later(fn: () => void): void {
    this.clock.at(this.clock.now(), fn);
  }

  private get reading(): boolean {
    return this.flowing === true || (this.flowing === null && this.listenerCount('data') > 0);
  }

  /** Deliver on a later turn, if anything is waiting and this end reads. */
  private schedule(): void {
    if (this.delivery !== undefined || this.destroyed || this.connecting || this.peer.connecting || !this.reading) return;
    if (this.inbox.length === 0 && !(this.finQueued && !this.readEnded)) return;
    this.delivery = this.clock.at(this.clock.now(), this.deliver);
  }

  private readonly deliver = (): void => {
    this.delivery = undefined;
    // What is here now: bytes written by the 'data' handlers go on a later turn.
    for (let n = this.inbox.length; n > 0 && this.reading && !this.destroyed; n--) {
      const chunk = this.inbox.shift()!;
      this.inboxBytes -= chunk.length;
      this.emit('data', chunk);
    }
    const writer = this.peer;
    if (writer.needDrain && this.inboxBytes === 0 && !writer.destroyed) {
      writer.needDrain = false;
      writer.emit('drain');
    }
    if (this.inbox.length > 0) {
      this.schedule();
      return;
    }
    if (!this.finQueued || this.readEnded || this.destroyed || !this.reading) return;
    this.readEnded = true;
    this.emit('end');
    if (!writer.destroyed) {
      writer.writeFinished = true; // its end() has been read
      writer.maybeClose();
    }
    if (!this.allowHalfOpen) this.end();
    this.maybeClose();
  };

  /** Both halves done: close. */
  private maybeClose(): void {
    if (this.destroyed) return;
    if (this.peer.destroyed && this.writeEnded) this.writeFinished = true;
    if (this.readEnded && this.writeFinished) {
      this.drop();
      this.emitClose(false);
    }
  }

  private onReset(): void {
    if (this.destroyed) return;
    this.drop();
    if (this.listenerCount('error') > 0) this.emit('error', errnoError('ECONNRESET', `${this.name}: connection reset by peer`));
    this.emitClose(true);
  }

  private fail(code: string, message: string): void {
    if (this.destroyed) return;
    this.drop();
    const p = this.peer;
    if (!this.connecting) this.later(() => p.onReset());
    this.later(() => {
      if (this.listenerCount('error') > 0) this.emit('error', errnoError(code, message));
    });
    this.emitClose(true);
  }

  /** Stop reading and forget what was not read. */
  private drop(): void {
    this.destroyed = true;
    this.clock.cancel(this.delivery);
    this.delivery = undefined;
    this.inbox.clear();
    this.inboxBytes = 0;
  }

  private emitClose(hadError: boolean): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.later(() => this.emit('close', hadError));
  }
}
