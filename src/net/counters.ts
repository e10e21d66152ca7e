// Traffic counters by message type. Indexing a typed array by the frame's type byte keeps the
// per-message cost to two increments.
import { type DecodedMessage, MESSAGE_NAMES, type MessageType } from '../protocol/index.ts';

const TYPES: MessageType[] = [0x00, 0x01, 0x02, 0x80, 0x81, 0x82];

export class TrafficCounters {
  readonly msgsIn = new Float64Array(256);
  readonly msgsOut = new Float64Array(256);
  readonly typeBytesIn = new Float64Array(256);
  readonly typeBytesOut = new Float64Array(256);
  bytesIn = 0;
  bytesOut = 0;
  decodeErrors = 0;
  /** Chats forwarded by their header straight from a read (a server link's fast path), included in msgsIn. */
  chatsRouted = 0;

  countIn(messages: DecodedMessage[]): void {
    for (const m of messages) {
      this.msgsIn[m.type]!++;
      this.typeBytesIn[m.type]! += m.raw.length;
    }
  }

  /** A chat of `len` bytes read and forwarded by its header, with no message made. */
  countRoutedChat(len: number): void {
    this.chatsRouted++;
    this.msgsIn[0x81]!++;
    this.typeBytesIn[0x81]! += len;
  }

  /** Count a frame (or a batch of frames from one burst) handed to a connection. */
  countOut(frame: Buffer): void {
    this.countOutFrame(frame[0]!, frame.length);
  }

  countOutFrame(type: number, len: number): void {
    this.bytesOut += len;
    this.msgsOut[type]!++;
    this.typeBytesOut[type]! += len;
  }

  /** Per-type figures, for /metrics and snapshots. */
  byType(): Array<{ type: string; msgsIn: number; msgsOut: number; bytesIn: number; bytesOut: number }> {
    return TYPES.map((t) => ({
      type: MESSAGE_NAMES[t],
      msgsIn: this.msgsIn[t]!,
      msgsOut: this.msgsOut[t]!,
      bytesIn: this.typeBytesIn[t]!,
      bytesOut: this.typeBytesOut[t]!,
    }));
  }

  totals(): { msgsIn: number; msgsOut: number; bytesIn: number; bytesOut: number; decodeErrors: number } {
    let msgsIn = 0;
    let msgsOut = 0;
    for (const t of TYPES) {
      msgsIn += this.msgsIn[t]!;
      msgsOut += this.msgsOut[t]!;
    }
    return { msgsIn, msgsOut, bytesIn: this.bytesIn, bytesOut: this.bytesOut, decodeErrors: this.decodeErrors };
  }
}
