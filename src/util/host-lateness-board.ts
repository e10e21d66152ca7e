// How late the threads of this process have run lately, readable by every one of them: each
// thread that hosts servers or link proxies publishes its lateness probe's windows into its own
// slot of one SharedArrayBuffer, and a server's liveness reads the worst of all slots. On a
// simulated network the peer and the link's proxy share this host: a ping answered late because
// *their* thread was late says nothing about the peer being dead (issue 20, the false netsplit
// of quit-during-load: the peer's thread, which also ran the link's proxy, was 382 ms late).
//
// Layout: SLOTS slots, each the time its thread last ran its probe, the worst of its ring and
// the end of its oldest window (kept by the writer, so a reader asking about a span longer than
// the ring reads two words, not the ring), a spare, then RING windows of two int32 (end, worst
// ms, rounded up); times in ms since the board's epoch. A thread stalled right now has not
// published its lateness yet: the time since it last ran is that lateness so far. Atomics on
// every access: one writer per slot, many readers. Every server reads it on every sweep (10,000
// servers: 10,000 reads a second), so a read skips empty slots and whole rings.
import { nowMs } from './clock.ts';
import { type LatenessProbe, threadProbe, threadProbesOff } from './lateness-probe.ts';

/** Threads that can publish at once; a thread past this gets no slot (its lateness is not shared). */
export const BOARD_SLOTS = 128;
/** Windows kept per slot: with the probes' 100 ms windows, the last 12.8 s. */
export const BOARD_RING = 128;
/** Per slot: last run, the ring's worst, its oldest window's end, a spare word, then the windows. */
const HEAD = 4;
const WORDS = HEAD + BOARD_RING * 2;
const RAN = 0;
const RING_WORST = 1;
const OLDEST_END = 2;

export interface BoardHandle {
  /** the SharedArrayBuffer of the whole board, and the epoch its times count from (nowMs() clock) */
  buffer: SharedArrayBuffer;
  epochMs: number;
}

export class HostLatenessBoard {
  private readonly words: Int32Array;

  constructor(readonly handle: BoardHandle) {
    if (handle.buffer.byteLength !== BOARD_SLOTS * WORDS * 4) throw new RangeError(`host lateness board: ${handle.buffer.byteLength} bytes, expected ${BOARD_SLOTS * WORDS * 4}`);
    this.words = new Int32Array(handle.buffer);
  }

  static create(epochMs: number): HostLatenessBoard {
    return new HostLatenessBoard({ buffer: new SharedArrayBuffer(BOARD_SLOTS * WORDS * 4), epochMs });
  }

  /** Empty `slot` for a new thread (its predecessor's windows are not its own). */
  clear(slot: number): void {
    this.check(slot);
    for (let i = slot * WORDS; i < (slot + 1) * WORDS; i++) Atomics.store(this.words, i, 0);
  }

  /** `slot`'s thread ran its probe at `at` (nowMs() clock). */
  ran(slot: number, at: number): void {
    Atomics.store(this.words, slot * WORDS + RAN, Math.max(1, Math.round(at - this.handle.epochMs)));
  }

  /** Publish one window of `slot`: its start (nowMs() clock) and its worst lateness so far (ms). */
  publish(slot: number, windowStart: number, maxMs: number, windowMs: number): void {
    const index = Math.floor(windowStart / windowMs) % BOARD_RING;
    const base = slot * WORDS;
    const at = base + HEAD + index * 2;
    // End 0 marks an empty window: times count from 1.
    const end = Math.max(1, Math.round(windowStart + windowMs - this.handle.epochMs));
    const worst = Math.ceil(maxMs);
    const replaced = Atomics.load(this.words, at);
    Atomics.store(this.words, at, end);
    Atomics.store(this.words, at + 1, worst);
    if (replaced === end) {
      // The same window grew worse: the ring's worst can only grow.
      if (worst > Atomics.load(this.words, base + RING_WORST)) Atomics.store(this.words, base + RING_WORST, worst);
      return;
    }
    // A new window (about one per 100 ms): it may have pushed out the ring's worst or its oldest.
    let ringWorst = 0;
    let oldest = 0;
    for (let i = base + HEAD; i < base + WORDS; i += 2) {
      const e = Atomics.load(this.words, i);
      if (e === 0) continue;
      ringWorst = Math.max(ringWorst, Atomics.load(this.words, i + 1));
      if (oldest === 0 || e < oldest) oldest = e;
    }
    Atomics.store(this.words, base + RING_WORST, ringWorst);
    Atomics.store(this.words, base + OLDEST_END, oldest);
  }

  /**
   * The worst lateness of any slot since `from` (ms; 0 if none): a window it published that ends
   * after `from`, or the time since it last ran (a thread stalled right now, up to `now`).
   */
  worstSince(from: number, now = nowMs()): number {
    const since = from - this.handle.epochMs;
    const at = now - this.handle.epochMs;
    let worst = 0;
    for (let slot = 0; slot < BOARD_SLOTS; slot++) {
      const base = slot * WORDS;
      const ran = Atomics.load(this.words, base + RAN);
      // 0: no thread, or one whose probe does not run (its windows, if any, still count)
      if (ran !== 0) worst = Math.max(worst, at - ran);
      const oldest = Atomics.load(this.words, base + OLDEST_END);
      if (oldest === 0) continue; // no window
      if (oldest >= since) {
        // Every window of the ring ends after `from` (a liveness timeout longer than the ring: 10,000 servers wait 200 s).
        worst = Math.max(worst, Atomics.load(this.words, base + RING_WORST));
        continue;
      }
      for (let i = base + HEAD; i < base + WORDS; i += 2) {
        const end = Atomics.load(this.words, i);
        if (end !== 0 && end >= since) worst = Math.max(worst, Atomics.load(this.words, i + 1));
      }
    }
    return worst;
  }

  private check(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= BOARD_SLOTS) throw new RangeError(`host lateness board: slot ${slot} is not in 0..${BOARD_SLOTS - 1}`);
  }
}

/** This process's board, made by the first thread that starts a worker (the coordinator's). */
let processBoard: { board: HostLatenessBoard; free: number[] } | undefined;

/** A slot of this process's board for a new thread (undefined when every slot is taken). */
export function takeBoardSlot(epochMs: number): { handle: BoardHandle; slot: number } | undefined {
  processBoard ??= { board: HostLatenessBoard.create(epochMs), free: Array.from({ length: BOARD_SLOTS }, (_, i) => BOARD_SLOTS - 1 - i) };
  const slot = processBoard.free.pop();
  if (slot === undefined) return undefined;
  processBoard.board.clear(slot);
  return { handle: processBoard.board.handle, slot };
}

/** The thread of `slot` has exited. */
export function giveBoardSlot(slot: number): void {
  if (!processBoard) return;
  // Cleared at once: an exited thread's last run would read as an ever longer stall.
  processBoard.board.clear(slot);
  processBoard.free.push(slot);
}

/** A thread's own slot of the board, as a worker is handed it in its workerData. */
export interface BoardSlot {
  handle: BoardHandle;
  slot: number;
}

/**
 * A worker thread's probe (threadProbe), publishing to its slot of the host's board when it has
 * one, and started unless CRC_LATENESS_PROBES=off; with the board, to read the host's lateness.
 */
export function startThreadProbe(share: BoardSlot | undefined): { probe: LatenessProbe; board?: HostLatenessBoard } {
  const probe = threadProbe();
  const board = share ? new HostLatenessBoard(share.handle) : undefined;
  if (board && share) {
    probe.onWindow = (start, maxMs, windowMs) => board.publish(share.slot, start, maxMs, windowMs);
    probe.onRun = (at) => board.ran(share.slot, at);
  }
  if (!threadProbesOff()) probe.start();
  return { probe, ...(board ? { board } : {}) };
}
