// The host's lateness board: each thread publishes its probe's windows to its own slot; a reader
// sees the worst of every slot since a time, from any thread (the buffer is shared, not copied).
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { BOARD_RING, BOARD_SLOTS, HostLatenessBoard } from '../../src/util/host-lateness-board.ts';
import { LatenessProbe } from '../../src/util/lateness-probe.ts';

describe('HostLatenessBoard', () => {
  it('the worst of every slot, for windows that end after the time asked about', () => {
    const board = HostLatenessBoard.create(1_000_000);
    board.publish(0, 1_000_100, 12.2, 100);
    board.publish(7, 1_000_500, 90, 100);
    board.publish(BOARD_SLOTS - 1, 1_000_900, 40, 100);
    const now = 1_001_000;
    expect(board.worstSince(1_000_000, now)).toBe(90);
    // Slot 7's window ended at 1,000,600: past it, only the later one counts.
    expect(board.worstSince(1_000_601, now)).toBe(40);
    expect(board.worstSince(1_001_001, now)).toBe(0);
    // A slot handed to a new thread starts empty.
    board.clear(7);
    expect(board.worstSince(1_000_000, now)).toBe(40);
    expect(() => board.clear(BOARD_SLOTS)).toThrow(/slot 128 is not in 0..127/);
  });

  it('a thread stalled right now is as late as the time since it last ran; an exited one is cleared', () => {
    const board = HostLatenessBoard.create(0);
    board.ran(4, 10_000);
    board.publish(4, 9_900, 3, 100);
    expect(board.worstSince(9_000, 10_005)).toBe(5);
    // Its timer has not run for 1.7 s (quit-during-load: rivendale's thread, 3.4 s at worst).
    expect(board.worstSince(9_000, 11_700)).toBe(1700);
    board.clear(4);
    expect(board.worstSince(9_000, 11_700)).toBe(0);
  });

  it("a probe publishes each window's worst as it grows", () => {
    const board = HostLatenessBoard.create(0);
    const probe = new LatenessProbe(10, 100, 10, 0.5);
    probe.onWindow = (start, maxMs, windowMs) => board.publish(3, start, maxMs, windowMs);
    probe.note(5_010, 2);
    probe.note(5_020, 250);
    probe.note(5_030, 1); // not worse: nothing new
    expect(board.worstSince(5_000, 5_200)).toBe(250);
    probe.note(5_110, 4); // the next window
    expect(board.worstSince(5_100, 5_200)).toBe(250); // the first window ended at 5,100: still counted
    expect(board.worstSince(5_101, 5_200)).toBe(4);
  });

  it('a window pushed out of the ring no longer counts, over a span longer than the ring too', () => {
    const board = HostLatenessBoard.create(0);
    board.publish(5, 0, 500, 100);
    for (let w = 1; w < BOARD_RING; w++) board.publish(5, w * 100, 1, 100);
    expect(board.worstSince(0, BOARD_RING * 100)).toBe(500);
    board.publish(5, BOARD_RING * 100, 2, 100); // takes the first window's place
    expect(board.worstSince(0, BOARD_RING * 100 + 100)).toBe(2);
    expect(board.worstSince(BOARD_RING * 100 + 100, BOARD_RING * 100 + 100)).toBe(2);
    expect(board.worstSince(BOARD_RING * 100 + 101, BOARD_RING * 100 + 100)).toBe(0);
    board.publish(5, BOARD_RING * 100, 30, 100); // the same window, worse
    expect(board.worstSince(0, BOARD_RING * 100 + 100)).toBe(30);
  });

  it('a read over a span longer than the ring reads a few words per slot, not every window (every server reads it every sweep)', () => {
    const board = HostLatenessBoard.create(0);
    for (let slot = 0; slot < 50; slot++) for (let w = 0; w < BOARD_RING; w++) board.publish(slot, w * 100, slot, 100);
    const load = vi.spyOn(Atomics, 'load');
    try {
      expect(board.worstSince(-200_000, BOARD_RING * 100)).toBe(49);
      expect(load.mock.calls.length).toBeLessThanOrEqual(4 * BOARD_SLOTS);
    } finally {
      load.mockRestore();
    }
  });

  it('another thread reads what this one published, and this one what it did', async () => {
    const board = HostLatenessBoard.create(0);
    board.publish(1, 10_000, 33, 100);
    // A plain worker (no project code): it reads slot 1 and writes slot 2 in the same layout.
    const worker = new Worker(`
      const { workerData, parentPort } = require('node:worker_threads');
      const words = new Int32Array(workerData);
      const base = (s) => s * ${4 + 128 * 2};
      const slot = (s) => base(s) + 4; // a slot's windows, after its last run, its ring's worst, its oldest end and a spare
      const seen = Math.max(...Array.from({ length: ${128 * 2} }, (_, i) => (i % 2 ? Atomics.load(words, slot(1) + i) : 0)));
      Atomics.store(words, slot(2), 20_100);
      Atomics.store(words, slot(2) + 1, 77);
      Atomics.store(words, base(2) + 1, 77); // the ring's worst
      Atomics.store(words, base(2) + 2, 20_100); // its oldest window's end
      parentPort.postMessage(seen);
    `, { eval: true, workerData: board.handle.buffer });
    const seen = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    expect(seen).toBe(33);
    expect(board.worstSince(20_000, 20_000)).toBe(77);
  });
});
