// Events a node reports beyond the core's own: connections, bad frames, and (with traceFrames)
// every frame to or from an adjacent server.
import type { ConnId, CoreEvent } from '../core/index.ts';
import { MESSAGE_NAMES, type MessageType } from '../protocol/index.ts';

/**
 * One frame crossing a server-to-server link, at one end. `peer` is the adjacent server's id
 * (0: not registered yet; a report resolves it from this conn's `link-up`). A receive matches
 * the earliest unmatched send with the same `fp` between the same two servers.
 */
export interface FrameEvent {
  type: 'frame-sent' | 'frame-received';
  conn: ConnId;
  peer: number;
  /** the message type's name, e.g. client_chat */
  frame: string;
  bytes: number;
  fp: string;
}

export type NodeEvent =
  | CoreEvent
  | { type: 'conn-opened'; conn: ConnId; remote: string; outbound: boolean }
  | { type: 'conn-closed'; conn: ConnId; reason: string }
  | { type: 'decode-error'; conn: ConnId; code: string; value: number | string; message: string }
  | FrameEvent;

const FINGERPRINTED_BYTES = 32;

/**
 * "<type>-<length>-<FNV-1a of the first 32 bytes>", hex. The first 32 bytes hold the type,
 * source and destination (or last hop) and, for chats, the start of the text: enough to tell
 * apart the frames in flight on one link, cheaply.
 */
export function frameFingerprint(raw: Uint8Array): string {
  let h = 0x811c9dc5;
  const n = Math.min(raw.length, FINGERPRINTED_BYTES);
  for (let i = 0; i < n; i++) h = Math.imul(h ^ raw[i]!, 0x01000193);
  return `${(raw[0] ?? 0).toString(16).padStart(2, '0')}-${raw.length.toString(16)}-${(h >>> 0).toString(16).padStart(8, '0')}`;
}

export function frameEvent(type: FrameEvent['type'], conn: ConnId, peer: number, raw: Uint8Array): FrameEvent {
  return { type, conn, peer, frame: frameName(raw), bytes: raw.length, fp: frameFingerprint(raw) };
}

/** The type's name; a liveness probe (a client quit from id 0, src/core/liveness.ts) is 'heartbeat', not a quit. */
function frameName(raw: Uint8Array): string {
  if (raw[0] === 0x82 && raw.length >= 5 && (raw[1]! | raw[2]! | raw[3]! | raw[4]!) === 0) return 'heartbeat';
  return MESSAGE_NAMES[raw[0] as MessageType] ?? `0x${(raw[0] ?? 0).toString(16)}`;
}
