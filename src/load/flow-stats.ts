// What one flow's receiver measures, chat by chat. Latency is taken from the chat's intended
// send time (the open-loop schedule), so a stalled path shows in the percentiles: coordinated
// omission corrected. Beside it, from the same deliveries, what a closed-loop sender with one
// chat in flight would have measured: it could only have sent a chat once the previous one
// came back, so its clock starts at max(intended, previous delivery), and a stall shows as a
// single slow sample.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Record a latency in µs (histograms take integers >= 1). */
export function recordUs(h: RecordableHistogram, us: number): void {
  h.record(Math.max(1, Math.round(us)));
}

export interface FlowTotals {
  offered: number;
  sent: number;
  delivered: number;
  duplicated: number;
  reordered: number;
  /** chats the network answered "Unknown ID" for */
  unknownDestination: number;
  /** chats never sent: the sender's connection was closed */
  cut: number;
}

/** Write times kept per flow (a ring by sequence): a chat later than this many behind is not timed from its write. */
const WRITES_KEPT = 1024;

export class FlowStats {
  readonly totals: FlowTotals = { offered: 0, sent: 0, delivered: 0, duplicated: 0, reordered: 0, unknownDestination: 0, cut: 0 };
  /** from the intended send time (µs) */
  readonly latency = createHistogram();
  /** what a closed-loop sender would have seen (µs) */
  readonly closedLoop = createHistogram();
  /**
   * From the chat's write to its arrival (µs): the network's share, without the generator's
   * own lateness; what the bench's window-1 sender measures (it times from its actual send).
   */
  readonly fromWrite = createHistogram();
  private readonly writtenAt = new Float64Array(WRITES_KEPT);
  private readonly writtenSeq = new Int32Array(WRITES_KEPT).fill(-1);
  private readonly seen: Uint8Array;
  private nextSeq = 0;
  private lastDeliveredAt = -Infinity;
  /** the closed-loop view of the last delivery, µs */
  lastClosedUs = 0;

  /** `scheduled`: how many chats the run intends for this flow (bounds the seen-table). */
  constructor(scheduled: number) {
    this.seen = new Uint8Array(Math.min(scheduled, 1 << 26));
  }

  /** Chat `seq` was written at `atMs` (same clock as delivered()'s). */
  wrote(seq: number, atMs: number): void {
    const i = seq % WRITES_KEPT;
    this.writtenSeq[i] = seq;
    this.writtenAt[i] = atMs;
  }

  /**
   * A chat `seq` intended at `intendedMs` arrived at `nowMs` (same clock). Returns the latency
   * from the intended time in µs, or -1 for a duplicate (not timed again).
   */
  delivered(seq: number, intendedMs: number, nowMs: number): number {
    if (seq < this.seen.length) {
      if (this.seen[seq]) {
        this.totals.duplicated++;
        return -1;
      }
      this.seen[seq] = 1;
    }
    this.totals.delivered++;
    if (seq < this.nextSeq) this.totals.reordered++;
    else this.nextSeq = seq + 1;
    const us = (nowMs - intendedMs) * 1000;
    recordUs(this.latency, us);
    const i = seq % WRITES_KEPT;
    if (this.writtenSeq[i] === seq) recordUs(this.fromWrite, (nowMs - this.writtenAt[i]!) * 1000);
    this.lastClosedUs = (nowMs - Math.max(intendedMs, this.lastDeliveredAt)) * 1000;
    recordUs(this.closedLoop, this.lastClosedUs);
    this.lastDeliveredAt = nowMs;
    return us;
  }

  /** Chats sent but neither delivered nor answered: lost in the network. */
  get lost(): number {
    return Math.max(0, this.totals.sent - this.totals.delivered - this.totals.unknownDestination);
  }
}
