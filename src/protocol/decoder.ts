// Streaming frame decoder. TCP is a byte stream: a frame may be split across reads, or many
// frames may share one read. Feed it chunks of any size; it returns the whole frames and keeps
// the unfinished tail. Every length field is checked against Limits as soon as the fixed header
// is in, so a hostile length can never make it buffer without bound.
import { isUtf8 } from 'node:buffer';
import { DecodeError } from './errors.ts';
import {
  type DecodedMessage,
  HEADER_SIZE,
  type Limits,
  MESSAGE_NAMES,
  MessageType,
  isMessageType,
  resolveLimits,
} from './messages.ts';

export interface DecodeResult {
  messages: DecodedMessage[];
  /** Set when the stream broke a rule. The decoder is then dead: framing is lost. */
  error?: DecodeError;
}

/** Tails at most this long are copied, so a small leftover does not pin a large read buffer. */
const COPY_TAIL_BELOW = 4096;

/**
 * A chat whose text is decoded only if somebody reads it. Relaying servers route on the
 * header and forward `raw`; they never need the text.
 */
class LazyChat {
  readonly type = MessageType.ClientChat;
  private text: string | undefined;
  constructor(
    readonly sourceId: number,
    readonly destinationId: number,
    readonly raw: Buffer,
  ) {}
  get content(): string {
    return (this.text ??= this.raw.toString('utf8', 13));
  }
}

/**
 * Is a chat's text valid UTF-8? For chats that crossed a trusted link unchecked (lazy text):
 * the server that hands one to a client asks this once. A chat built from a string is valid.
 */
export function chatTextIsUtf8(msg: { raw?: Buffer }): boolean {
  return msg.raw === undefined || isUtf8(msg.raw.subarray(HEADER_SIZE[MessageType.ClientChat]));
}

export class FrameDecoder {
  readonly limits: Limits;
  /**
   * Skip UTF-8 validation and decoding of chat text. For trusted links only (server to
   * server): text is validated where it enters the network, at the sender's server, so a
   * relay forwards the frame's bytes untouched. Off by default.
   */
  lazyChatText = false;
  /** Unconsumed bytes, as a list so a large frame arriving in many pieces is joined once. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes needed before another parse can make progress. */
  private need = 1;
  /** Stream offset of pending[0][0]. */
  private offset = 0;
  private failure: DecodeError | undefined;
  /** Stream offset of the frame being parsed, for error messages. */
  private frameStart = 0;

  constructor(limits?: Partial<Limits>) {
    this.limits = resolveLimits(limits);
  }

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  get failed(): DecodeError | undefined {
    return this.failure;
  }

  feed(chunk: Uint8Array): DecodeResult {
    const messages: DecodedMessage[] = [];
    if (this.failure) return { messages, error: this.failure };
    if (chunk.length === 0) return { messages };
    let buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.pendingBytes > 0) {
      this.pending.push(buf);
      this.pendingBytes += buf.length;
      if (this.pendingBytes < this.need) return { messages };
      buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      const type = buf[pos]!;
      if (!isMessageType(type)) {
        return this.fail(messages, new DecodeError('unknown-type', type,
          `unknown message type byte 0x${type.toString(16).padStart(2, '0')}`, this.offset + pos));
      }
      const header = HEADER_SIZE[type];
      if (end - pos < header) {
        this.need = header;
        break;
      }
      // Body length from the header, checked against the limits before waiting for the body.
      let body: number;
      let nameLen = 0;
      if (type === MessageType.ServerRegistration || type === MessageType.ClientRegistration) {
        nameLen = buf[pos + 9]!;
        const infoLen = buf.readUInt16BE(pos + 10);
        if (nameLen > this.limits.maxName) {
          return this.fail(messages, new DecodeError('name-too-long', nameLen,
            `${MESSAGE_NAMES[type]} name length ${nameLen} exceeds the limit of ${this.limits.maxName} bytes`, this.offset + pos));
        }
        if (infoLen > this.limits.maxInfo) {
          return this.fail(messages, new DecodeError('info-too-long', infoLen,
            `${MESSAGE_NAMES[type]} info length ${infoLen} exceeds the limit of ${this.limits.maxInfo} bytes`, this.offset + pos));
        }
        body = nameLen + infoLen;
      } else {
        body = buf.readUInt32BE(pos + header - 4);
        if (body > this.limits.maxContent) {
          return this.fail(messages, new DecodeError('content-too-long', body,
            `${MESSAGE_NAMES[type]} content length ${body} exceeds the limit of ${this.limits.maxContent} bytes`, this.offset + pos));
        }
      }
      const frameLen = header + body;
      if (end - pos < frameLen) {
        this.need = frameLen;
        break;
      }
      const raw = buf.subarray(pos, pos + frameLen);
      this.frameStart = this.offset + pos;
      const msg = this.parse(type, raw, nameLen);
      if (msg instanceof DecodeError) return this.fail(messages, msg);
      messages.push(msg);
      pos += frameLen;
    }
    this.offset += pos;
    if (pos < end) {
      const tail = buf.subarray(pos);
      this.pending.push(tail.length < COPY_TAIL_BELOW ? Buffer.from(tail) : tail);
      this.pendingBytes = tail.length;
    } else {
      this.need = 1;
    }
    return { messages };
  }

  private parse(type: MessageType, raw: Buffer, nameLen: number): DecodedMessage | DecodeError {
    const sourceId = raw.readUInt32BE(1);
    switch (type) {
      case MessageType.ServerRegistration:
      case MessageType.ClientRegistration: {
        const name = this.text(raw, 12, 12 + nameLen, 'name');
        if (typeof name !== 'string') return name;
        const info = this.text(raw, 12 + nameLen, raw.length, 'info');
        if (typeof info !== 'string') return info;
        return { type, sourceId, lastHopId: raw.readUInt32BE(5), name, info, raw };
      }
      case MessageType.Status: {
        const content = this.text(raw, 15, raw.length, 'content');
        if (typeof content !== 'string') return content;
        return {
          type, sourceId, destinationId: raw.readUInt32BE(5), statusCode: raw.readUInt16BE(9), content, raw,
        };
      }
      case MessageType.ServerQuit: {
        const content = this.text(raw, 13, raw.length, 'content');
        if (typeof content !== 'string') return content;
        return { type, sourceId, replacementId: raw.readUInt32BE(5), content, raw };
      }
      case MessageType.ClientChat: {
        if (this.lazyChatText) return new LazyChat(sourceId, raw.readUInt32BE(5), raw) as DecodedMessage;
        const content = this.text(raw, 13, raw.length, 'content');
        if (typeof content !== 'string') return content;
        return { type, sourceId, destinationId: raw.readUInt32BE(5), content, raw };
      }
      case MessageType.ClientQuit: {
        const content = this.text(raw, 9, raw.length, 'content');
        if (typeof content !== 'string') return content;
        return { type, sourceId, content, raw };
      }
    }
  }

  private text(raw: Buffer, start: number, stop: number, field: string): string | DecodeError {
    if (start === stop) return '';
    const bytes = raw.subarray(start, stop);
    if (!isUtf8(bytes)) {
      return new DecodeError('invalid-utf8', field,
        `${MESSAGE_NAMES[raw[0] as MessageType]} ${field} is not valid UTF-8`, this.frameStart);
    }
    return bytes.toString('utf8');
  }

  private fail(messages: DecodedMessage[], error: DecodeError): DecodeResult {
    this.failure = error;
    this.pending = [];
    this.pendingBytes = 0;
    return { messages, error };
  }
}
