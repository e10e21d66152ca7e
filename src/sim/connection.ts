// One sim node's side of a connection, as net/connection.ts's FramedConnection is for a
// socket: frames decoded from what arrives, and a send queue in front of the stream. The
// stream takes bytes up to its high-water mark (a socket buffer); past it they wait here, and
// past `maxQueueBytes` in all the connection is cut ('send queue exceeded'), as a real server's is.
import { type DecodeError, type DecodedMessage, FrameDecoder } from '../protocol/index.ts';
import type { SimStream } from './stream.ts';

export interface SimConnectionHandlers {
  onMessages(conn: SimConnection, msgs: DecodedMessage[]): void;
  onDecodeError(conn: SimConnection, err: DecodeError): void;
  onClose(conn: SimConnection, reason: string): void;
}

export class SimConnection {
  readonly decoder = new FrameDecoder();
  private queue: Buffer[] = [];
  private queued = 0;
  /** The stream is past its high-water mark: sends wait in `queue` for its drain. */
  private blocked = false;
  private ending: string | undefined;
  private closeReason: string | undefined;
  isOpen = true;

  constructor(readonly id: number, private readonly stream: SimStream, readonly outbound: boolean, private readonly handlers: SimConnectionHandlers, private readonly maxQueueBytes: number) {
    stream.onData = (chunk) => this.onData(chunk);
    stream.onDrain = () => this.drain();
    stream.onClose = () => this.closed(this.closeReason ?? 'closed by peer');
  }

  /** Bytes not yet taken by the peer: here and in the stream. */
  get pendingBytes(): number {
    return this.queued + this.stream.writableLength;
  }

  send(data: Buffer): void {
    if (!this.isOpen || this.ending !== undefined) return;
    if (!this.blocked) {
      this.blocked = !this.stream.write(data);
      return;
    }
    this.queue.push(data);
    this.queued += data.length;
    if (this.pendingBytes > this.maxQueueBytes) this.destroy(`send queue exceeded ${this.maxQueueBytes} bytes`);
  }

  /** Close after what is queued has gone. */
  end(reason: string): void {
    if (!this.isOpen || this.ending !== undefined) return;
    this.ending = reason;
    this.closeReason = reason;
    if (!this.blocked) this.stream.end();
  }

  /** Close now; what is queued is dropped. */
  destroy(reason: string): void {
    if (!this.isOpen) return;
    this.closeReason = reason;
    this.queue = [];
    this.queued = 0;
    this.stream.destroy();
  }

  private drain(): void {
    this.blocked = false;
    while (this.queue.length > 0) {
      const data = this.queue.shift()!;
      this.queued -= data.length;
      if (!this.stream.write(data)) {
        this.blocked = true;
        return;
      }
    }
    if (this.ending !== undefined) this.stream.end();
  }

  private onData(chunk: Buffer): void {
    if (!this.isOpen) return;
    const res = this.decoder.feed(chunk);
    if (res.messages.length > 0) this.handlers.onMessages(this, res.messages);
    if (res.error && this.isOpen) {
      this.handlers.onDecodeError(this, res.error);
      this.destroy(`decode error: ${res.error.message}`);
    }
  }

  private closed(reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.queue = [];
    this.queued = 0;
    this.handlers.onClose(this, reason);
  }
}
