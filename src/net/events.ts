// Events a node reports beyond the core's own: connections and bad frames.
import type { ConnId, CoreEvent } from '../core/index.ts';

export type NodeEvent =
  | CoreEvent
  | { type: 'conn-opened'; conn: ConnId; remote: string; outbound: boolean }
  | { type: 'conn-closed'; conn: ConnId; reason: string }
  | { type: 'decode-error'; conn: ConnId; code: string; value: number | string; message: string };
