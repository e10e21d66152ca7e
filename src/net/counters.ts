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

  countIn(messages: DecodedMessage[]): void {
    for (const m of messages) {
      this.msgsIn[m.type]!++;
      this.typeBytesIn[m.type]! += m.raw.length;
    }
  }

  /** Count a frame (or a batch of frames from one burst) handed to a connection. */
  countOut(frame: Buffer): void {
    this.bytesOut += frame.length;
    this.msgsOut[frame[0]!]!++;
    this.typeBytesOut[frame[0]!]! += frame.length;
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
