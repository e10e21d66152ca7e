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

/** The smallest buffer an unfinished frame is held in; it doubles from there up to the frame's size. */
const MIN_HOLD_CAPACITY = 256;

const CHAT = MessageType.ClientChat;
const CHAT_HEADER = HEADER_SIZE[MessageType.ClientChat];

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
  return msg.raw === undefined || chatFrameTextIsUtf8(msg.raw, 0, msg.raw.length);
}

/**
 * chatTextIsUtf8() for the chat frame at `buf[at, at + len)`, e.g. one still in a read buffer.
 * Short text that is all ASCII (most chats) is checked here, with no view made and no native
 * call: at 64 B about 30 ns against 55 (the native check costs about the same at any length,
 * so past ASCII_SCAN_MAX bytes, or at the first byte past ASCII, it takes over).
 */
export function chatFrameTextIsUtf8(buf: Buffer, at: number, len: number): boolean {
  const from = at + CHAT_HEADER;
  const end = at + len;
  if (len - CHAT_HEADER <= ASCII_SCAN_MAX) {
    let bits = 0;
    let i = from;
    for (; i + 3 < end; i += 4) bits |= buf[i]! | buf[i + 1]! | buf[i + 2]! | buf[i + 3]!;
    for (; i < end; i++) bits |= buf[i]!;
    if (bits < 0x80) return true;
  }
  // A plain Uint8Array view: a Buffer subarray costs about 40 ns more per check.
  return isUtf8(new Uint8Array(buf.buffer, buf.byteOffset + from, end - from));
}

/**
 * The big-endian u32 at `buf[p, p + 4)`, which the caller knows is inside `buf`: without
 * readUInt32BE()'s argument checks, which cost the hot path a call per header field.
 */
export function readU32(buf: Uint8Array, p: number): number {
  return buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}

/** Text up to this long is scanned for ASCII in JS first (where that beats the native check's fixed cost). */
const ASCII_SCAN_MAX = 96;

const EMPTY = Buffer.alloc(0);

/**
 * Takes whole chat frames straight from a read, by their header only: no message, no view
 * per frame. For trusted links (server to server), where a relay forwards the bytes as read.
 */
export interface ChatRouter {
  /** Forward the chat at `buf[at, at + len)` if it can go as is; false: decode it as usual. */
  chat(buf: Buffer, at: number, len: number): boolean;
  /** The frames decoded before a chat the router may take, handed on first to keep the order. */
  deliver(messages: DecodedMessage[]): void;
}

export class FrameDecoder {
  readonly limits: Limits;
  /**
   * Skip UTF-8 validation and decoding of chat text. For trusted links only (server to
   * server): text is validated where it enters the network, at the sender's server, so a
   * relay forwards the frame's bytes untouched. Off by default.
   */
  lazyChatText = false;
  /**
   * The unfinished frame's bytes so far, copied into one buffer that grows by doubling up to
   * the frame's size: a frame arriving a byte per read costs its bytes, not a Buffer per read.
   */
  private hold: Buffer = EMPTY;
  private held = 0;
  /** Bytes the held frame needs in all, as far as its header says yet. */
  private need = 0;
  /** Stream offset of the next byte to be fed. */
  private offset = 0;
  private failure: DecodeError | undefined;
  /** Stream offset of the frame being parsed, for error messages. */
  private frameStart = 0;
  /** Frames decoded since the start: a driver watching for a stalled frame compares it between looks. */
  frames = 0;

  constructor(limits?: Partial<Limits>) {
    this.limits = resolveLimits(limits);
  }

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.held;
  }

  /** Bytes allocated to hold them (at most about twice as many, and MIN_HOLD_CAPACITY at least). */
  get capacity(): number {
    return this.hold.length;
  }

  /** Bytes the unfinished frame needs in all, as far as its header says yet (0: none held). */
  get needed(): number {
    return this.held > 0 ? this.need : 0;
  }

  get failed(): DecodeError | undefined {
    return this.failure;
  }

  /**
   * With a `router`, each whole chat frame in `chunk` is offered to it first (limits checked
   * as for any frame); what it declines, and every other frame, is decoded as usual. Frames
   * decoded before a chat it may take are handed to router.deliver() first, so the order of
   * the stream holds; the result holds those decoded after the last one it took.
   */
  feed(chunk: Uint8Array, router?: ChatRouter): DecodeResult {
    let messages: DecodedMessage[] = [];
    if (this.failure) return { messages, error: this.failure };
    if (chunk.length === 0) return { messages };
    const buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let pos = 0;
    if (this.held > 0) {
      // Complete the held frame with only the bytes it needs; the rest is parsed in place.
      pos = this.completeHeld(buf, messages);
      if (pos < 0) return { messages, error: this.failure };
    }
    const end = buf.length;
    let routed = 0;
    while (pos < end) {
      if (router !== undefined && buf[pos] === CHAT && end - pos >= CHAT_HEADER) {
        const len = CHAT_HEADER + readU32(buf, pos + CHAT_HEADER - 4);
        if (len - CHAT_HEADER <= this.limits.maxContent && len <= end - pos) {
          if (messages.length > 0) {
            this.frames += messages.length;
            router.deliver(messages);
            messages = [];
          }
          if (router.chat(buf, pos, len)) {
            routed++;
            pos += len;
            continue;
          }
        }
      }
      const len = this.measure(buf, pos, end - pos);
      if (typeof len !== 'number') return this.fail(messages, len);
      if (len > end - pos) {
        this.keep(buf.subarray(pos), len);
        break;
      }
      const msg = this.parse(buf.subarray(pos, pos + len), this.offset + pos);
      if (msg instanceof DecodeError) return this.fail(messages, msg);
      messages.push(msg);
      pos += len;
    }
    this.offset += end;
    this.frames += messages.length + routed;
    return { messages };
  }

  /**
   * Move bytes from `buf` into the held frame until it is whole (parsed into `messages`) or
   * `buf` runs out. Returns where the rest of `buf` starts, or -1 after a failure.
   */
  private completeHeld(buf: Buffer, messages: DecodedMessage[]): number {
    let pos = 0;
    for (;;) {
      const take = Math.min(this.need - this.held, buf.length - pos);
      this.append(buf, pos, take);
      pos += take;
      if (this.held < this.need) return pos;
      const start = this.offset + pos - this.held;
      const len = this.measure(this.hold, 0, this.held, start);
      if (typeof len !== 'number') {
        this.fail(messages, len);
        return -1;
      }
      if (len > this.held) {
        this.need = len; // the header is in: now the body
        continue;
      }
      const msg = this.parse(this.hold.subarray(0, len), start);
      // The frame's bytes now belong to the message (a relay forwards them later): never reuse them.
      this.hold = EMPTY;
      this.held = 0;
      if (msg instanceof DecodeError) {
        this.fail(messages, msg);
        return -1;
      }
      messages.push(msg);
      return pos;
    }
  }

  /**
   * The length of the frame at `pos` if `avail` bytes hold it; otherwise how many bytes it
   * needs as far as is known (its header, or header and body). Every length field is checked
   * against the limits as soon as the header is in.
   */
  private measure(buf: Buffer, pos: number, avail: number, streamPos = this.offset + pos): number | DecodeError {
    const type = buf[pos]!;
    if (!isMessageType(type)) {
      return new DecodeError('unknown-type', type, `unknown message type byte 0x${type.toString(16).padStart(2, '0')}`, streamPos);
    }
    const header = HEADER_SIZE[type];
    if (avail < header) return header;
    if (type === MessageType.ServerRegistration || type === MessageType.ClientRegistration) {
      const nameLen = buf[pos + 9]!;
      const infoLen = buf.readUInt16BE(pos + 10);
      if (nameLen > this.limits.maxName) {
        return new DecodeError('name-too-long', nameLen,
          `${MESSAGE_NAMES[type]} name length ${nameLen} exceeds the limit of ${this.limits.maxName} bytes`, streamPos);
      }
      if (infoLen > this.limits.maxInfo) {
        return new DecodeError('info-too-long', infoLen,
          `${MESSAGE_NAMES[type]} info length ${infoLen} exceeds the limit of ${this.limits.maxInfo} bytes`, streamPos);
      }
      return header + nameLen + infoLen;
    }
    const body = buf.readUInt32BE(pos + header - 4);
    if (body > this.limits.maxContent) {
      return new DecodeError('content-too-long', body,
        `${MESSAGE_NAMES[type]} content length ${body} exceeds the limit of ${this.limits.maxContent} bytes`, streamPos);
    }
    return header + body;
  }

  /** Hold `tail`, the start of a frame that needs `need` bytes in all. */
  private keep(tail: Buffer, need: number): void {
    this.need = need;
    this.held = 0;
    this.hold = EMPTY;
    this.append(tail, 0, tail.length);
  }

  private append(src: Buffer, from: number, n: number): void {
    if (n === 0) return;
    if (this.held + n > this.hold.length) {
      const size = Math.min(this.need, Math.max(this.held + n, this.hold.length * 2, MIN_HOLD_CAPACITY));
      const grown = Buffer.allocUnsafeSlow(size); // not from the shared pool: a held slice would pin a whole slab
      this.hold.copy(grown, 0, 0, this.held);
      this.hold = grown;
    }
    src.copy(this.hold, this.held, from, from + n);
    this.held += n;
  }

  private parse(raw: Buffer, streamPos: number): DecodedMessage | DecodeError {
    this.frameStart = streamPos;
    const type = raw[0] as MessageType;
    const sourceId = raw.readUInt32BE(1);
    switch (type) {
      case MessageType.ServerRegistration:
      case MessageType.ClientRegistration: {
        const nameLen = raw[9]!;
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
    // A plain view for the check and a ranged toString: no Buffer made per field (every
    // registration has two, and a server reads one per host of the network).
    if (!isUtf8(new Uint8Array(raw.buffer, raw.byteOffset + start, stop - start))) {
      return new DecodeError('invalid-utf8', field,
        `${MESSAGE_NAMES[raw[0] as MessageType]} ${field} is not valid UTF-8`, this.frameStart);
    }
    return raw.toString('utf8', start, stop);
  }

  private fail(messages: DecodedMessage[], error: DecodeError): DecodeResult {
    this.failure = error;
    this.hold = EMPTY;
    this.held = 0;
    return { messages, error };
  }
}
