// Encoder: a Message to its exact wire bytes (big-endian, lengths in UTF-8 bytes).
import { EncodeError } from './errors.ts';
import { DEFAULT_LIMITS, HEADER_SIZE, type Limits, type Message, MessageType, resolveLimits } from './messages.ts';

function checkU32(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
    throw new EncodeError(field, v, `${field} must be an unsigned 32-bit integer, got ${v}`);
  }
}

function byteLength(field: string, s: string, max: number): number {
  if (typeof s !== 'string') throw new EncodeError(field, s, `${field} must be a string`);
  const n = Buffer.byteLength(s, 'utf8');
  if (n > max) {
    throw new EncodeError(field, n, `${field} is ${n} bytes of UTF-8; the limit is ${max}`);
  }
  return n;
}

/**
 * Encode one message. Throws EncodeError (never truncates) when a field does not fit.
 * `limits` may be partial; missing fields take DEFAULT_LIMITS. Limits beyond what the wire's
 * length fields can hold (name > 255, info > 65,535) are a RangeError, never a wrapped length.
 */
export function encode(msg: Message, limits: Partial<Limits> = DEFAULT_LIMITS): Buffer {
  const lim: Readonly<Limits> = limits === DEFAULT_LIMITS ? DEFAULT_LIMITS : resolveLimits(limits);
  checkU32('sourceId', msg.sourceId);
  switch (msg.type) {
    case MessageType.ServerRegistration:
    case MessageType.ClientRegistration: {
      checkU32('lastHopId', msg.lastHopId);
      const n = byteLength('name', msg.name, lim.maxName);
      const i = byteLength('info', msg.info, lim.maxInfo);
      const buf = Buffer.allocUnsafe(HEADER_SIZE[msg.type] + n + i);
      buf[0] = msg.type;
      buf.writeUInt32BE(msg.sourceId, 1);
      buf.writeUInt32BE(msg.lastHopId, 5);
      buf[9] = n;
      buf.writeUInt16BE(i, 10);
      buf.write(msg.name, 12, n, 'utf8');
      buf.write(msg.info, 12 + n, i, 'utf8');
      return buf;
    }
    case MessageType.Status: {
      checkU32('destinationId', msg.destinationId);
      if (!Number.isInteger(msg.statusCode) || msg.statusCode < 0 || msg.statusCode > 0xffff) {
        throw new EncodeError('statusCode', msg.statusCode, `statusCode must be an unsigned 16-bit integer, got ${msg.statusCode}`);
      }
      const c = byteLength('content', msg.content, lim.maxContent);
      const buf = Buffer.allocUnsafe(15 + c);
      buf[0] = msg.type;
      buf.writeUInt32BE(msg.sourceId, 1);
      buf.writeUInt32BE(msg.destinationId, 5);
      buf.writeUInt16BE(msg.statusCode, 9);
      buf.writeUInt32BE(c, 11);
      buf.write(msg.content, 15, c, 'utf8');
      return buf;
    }
    case MessageType.ServerQuit:
    case MessageType.ClientChat: {
      const second = msg.type === MessageType.ServerQuit ? msg.replacementId : msg.destinationId;
      checkU32(msg.type === MessageType.ServerQuit ? 'replacementId' : 'destinationId', second);
      const c = byteLength('content', msg.content, lim.maxContent);
      const buf = Buffer.allocUnsafe(13 + c);
      buf[0] = msg.type;
      buf.writeUInt32BE(msg.sourceId, 1);
      buf.writeUInt32BE(second, 5);
      buf.writeUInt32BE(c, 9);
      buf.write(msg.content, 13, c, 'utf8');
      return buf;
    }
    case MessageType.ClientQuit: {
      const c = byteLength('content', msg.content, lim.maxContent);
      const buf = Buffer.allocUnsafe(9 + c);
      buf[0] = msg.type;
      buf.writeUInt32BE(msg.sourceId, 1);
      buf.writeUInt32BE(c, 5);
      buf.write(msg.content, 9, c, 'utf8');
      return buf;
    }
    default: {
      const t = (msg as { type: unknown }).type;
      throw new EncodeError('type', t, `unknown message type ${String(t)}`);
    }
  }
}

/**
 * A registration frame as relayed by server `lastHopId`: a copy of `raw` with bytes 5..8
 * patched. Relaying never re-encodes the strings.
 */
export function withLastHop(raw: Buffer, lastHopId: number): Buffer {
  checkRegistrationFrame(raw, lastHopId, 'withLastHop');
  const out = Buffer.allocUnsafe(raw.length);
  raw.copy(out);
  out.writeUInt32BE(lastHopId, 5);
  return out;
}

/**
 * withLastHop() in place, for a frame whose bytes are its reader's alone (a decoded
 * registration on a server core with `ownsFrames`): no copy, no Buffer per relayed frame, and
 * frames relayed from one read stay one run of it in the write batch. Returns `raw`.
 */
export function setLastHop(raw: Buffer, lastHopId: number): Buffer {
  checkRegistrationFrame(raw, lastHopId, 'setLastHop');
  raw.writeUInt32BE(lastHopId, 5);
  return raw;
}

function checkRegistrationFrame(raw: Buffer, lastHopId: number, fn: string): void {
  checkU32('lastHopId', lastHopId);
  if (raw.length < HEADER_SIZE[MessageType.ServerRegistration]
    || (raw[0] !== MessageType.ServerRegistration && raw[0] !== MessageType.ClientRegistration)) {
    throw new EncodeError('raw', raw[0], `${fn} needs a registration frame (type 0x00 or 0x80)`);
  }
}
