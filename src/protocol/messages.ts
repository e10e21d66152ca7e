// The six CRC message types and their decoded shapes (see ../shared/crc/PROTOCOL.md).
// Every decoded message also carries `raw`: the exact frame bytes it came from, so a
// relaying server can forward a frame without re-encoding it.

export const MessageType = {
  ServerRegistration: 0x00,
  Status: 0x01,
  ServerQuit: 0x02,
  ClientRegistration: 0x80,
  ClientChat: 0x81,
  ClientQuit: 0x82,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const StatusCode = {
  Welcome: 0x00,
  UnknownId: 0x01,
  DuplicateId: 0x02,
} as const;

/** Fixed header size in bytes, by type byte. */
export const HEADER_SIZE: Readonly<Record<MessageType, number>> = {
  [MessageType.ServerRegistration]: 12,
  [MessageType.Status]: 15,
  [MessageType.ServerQuit]: 13,
  [MessageType.ClientRegistration]: 12,
  [MessageType.ClientChat]: 13,
  [MessageType.ClientQuit]: 9,
};

export const MESSAGE_NAMES: Readonly<Record<MessageType, string>> = {
  [MessageType.ServerRegistration]: 'server_registration',
  [MessageType.Status]: 'status',
  [MessageType.ServerQuit]: 'server_quit',
  [MessageType.ClientRegistration]: 'client_registration',
  [MessageType.ClientChat]: 'client_chat',
  [MessageType.ClientQuit]: 'client_quit',
};

export interface RegistrationMessage {
  type: typeof MessageType.ServerRegistration | typeof MessageType.ClientRegistration;
  sourceId: number;
  /** 0 = sent by the registering host itself; otherwise the adjacent server that relayed it. */
  lastHopId: number;
  name: string;
  info: string;
  raw?: Buffer;
}

export interface StatusMessage {
  type: typeof MessageType.Status;
  sourceId: number;
  destinationId: number;
  statusCode: number;
  content: string;
  raw?: Buffer;
}

export interface ServerQuitMessage {
  type: typeof MessageType.ServerQuit;
  sourceId: number;
  replacementId: number;
  content: string;
  raw?: Buffer;
}

export interface ClientChatMessage {
  type: typeof MessageType.ClientChat;
  sourceId: number;
  destinationId: number;
  content: string;
  raw?: Buffer;
}

export interface ClientQuitMessage {
  type: typeof MessageType.ClientQuit;
  sourceId: number;
  content: string;
  raw?: Buffer;
}

export type Message =
  | RegistrationMessage
  | StatusMessage
  | ServerQuitMessage
  | ClientChatMessage
  | ClientQuitMessage;

/** A message as the decoder yields it: `raw` is always present. */
export type DecodedMessage = Message & { raw: Buffer };

/** Upper bounds on every length field. The wire format allows more; a peer that sends more is cut off. */
export interface Limits {
  /** bytes; the u8 field caps it at 255 */
  maxName: number;
  /** bytes; the u16 field caps it at 65,535 */
  maxInfo: number;
  /** bytes of status / chat / quit content; the u32 field would allow 4 GiB */
  maxContent: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxName: 255,
  maxInfo: 65_535,
  maxContent: 64 * 1024,
});

export function resolveLimits(partial?: Partial<Limits>): Limits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  const check = (field: keyof Limits, wireMax: number) => {
    const v = limits[field];
    if (!Number.isInteger(v) || v < 0 || v > wireMax) {
      throw new RangeError(`limit ${field} must be an integer from 0 to ${wireMax}, got ${v}`);
    }
  };
  check('maxName', 255);
  check('maxInfo', 65_535);
  check('maxContent', 0xffff_ffff);
  return limits;
}

export function isMessageType(b: number): b is MessageType {
  return b === 0x00 || b === 0x01 || b === 0x02 || b === 0x80 || b === 0x81 || b === 0x82;
}
