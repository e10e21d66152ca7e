// Why a generator thread was late, in terms that survive a loaded machine: for the worst late
// send of each second, what the thread did between the end of its previous pump and the start
// of the late one (the "gap"): how much of it the thread was running (its own work: a callback,
// GC, JIT), how much it sat on a run queue waiting for a core (the kernel's schedstat), and how
// much it was asleep (its timer woke it late). Wall-clock lateness alone cannot tell these
// apart when the load average is 30. Always on: two reads of a kept-open /proc file per pump.
import { closeSync, openSync, readSync } from 'node:fs';
import { PerformanceObserver, performance, type EventLoopUtilization } from 'node:perf_hooks';

/** The worst late send of one second, and what its thread did in the gap before it. */
export interface StallReport {
  /** how late the send was, ms */
  lateMs: number;
  /** when it was due, ms since the run's start */
  atMs: number;
  /** wall time from the previous pump's end to this pump's start, ms */
  gapMs: number;
  /** CPU this thread used in the gap (its own work), ms */
  runningMs: number;
  /** time this thread waited on a run queue for a core in the gap, ms */
  runQueueMs: number;
  /** GC pauses of this thread inside the gap, ms */
  gcMs: number;
  /** 'running' (own work; GC if most of it was GC), 'waiting for a core', 'asleep' (woken late), or 'unknown' (no schedstat) */
  verdict: 'running' | 'running (GC)' | 'waiting for a core' | 'asleep' | 'unknown';
}

/** Own CPU in the gap past this (ms) is "running": an idle gap costs the loop well under it. */
export const RUNNING_MS = 2;
/** GC entries kept to match against gaps (a second holds far fewer). */
const MAX_GC_ENTRIES = 256;

export interface Reading {
  wall: number;
  runNs: number;
  waitNs: number;
}

/** This thread's [on-CPU ns, run-queue wait ns] from /proc/thread-self/schedstat, read through one fd. */
class SchedStat {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(128);

  constructor() {
    try {
      this.fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      this.fd = undefined; // not Linux: figures are NaN, the verdict 'unknown'
    }
  }

  read(into: Reading): void {
    into.wall = performance.now();
    if (this.fd === undefined) {
      into.runNs = into.waitNs = NaN;
      return;
    }
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    const text = this.buf.toString('latin1', 0, n);
    const sp = text.indexOf(' ');
    into.runNs = Number(text.slice(0, sp));
    into.waitNs = Number(text.slice(sp + 1, text.indexOf(' ', sp + 1)));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function verdictOf(runningMs: number, runQueueMs: number, gcMs: number, gapMs: number): StallReport['verdict'] {
  if (!Number.isFinite(runningMs)) return 'unknown';
  if (runningMs >= RUNNING_MS) return gcMs >= runningMs / 2 ? 'running (GC)' : 'running';
  return runQueueMs >= gapMs - runningMs - runQueueMs ? 'waiting for a core' : 'asleep';
}

/** Readings kept (pump starts and ends): enough to reach back over a long backlog of pumps. */
const MAX_READINGS = 64;

/**
 * The generator calls wake() in each pump once its writes are done (the /proc read stays off
 * the send path), late(...) for a send later than any before it in the second, and idle() at
 * the end of the pump; second() closes the second and
 * returns its worst stall (or null). The window judged for a late send runs from the last
 * reading taken before the send was due to the start of the pump that sent it, so a backlog
 * left by an earlier pump (or a run command that came late) is inside it.
 */
export class StallProbe {
  private readonly sched = new SchedStat();
  /** ring of readings, oldest first once full */
  private readonly readings: Reading[] = Array.from({ length: MAX_READINGS }, () => ({ wall: -Infinity, runNs: NaN, waitNs: NaN }));
  private next = 0;
  private wokeAt: Reading = this.readings[0]!;
  private sentWall = -Infinity;
  private worst: (Omit<StallReport, 'gcMs' | 'verdict'> & { from: number; to: number }) | null = null;
  private readonly gcs: Array<{ start: number; end: number }> = [];
  private gcSecondMs = 0;
  private gcSecondCount = 0;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (this.gcs.length >= MAX_GC_ENTRIES) this.gcs.shift();
      this.gcs.push({ start: e.startTime, end: e.startTime + e.duration });
      this.gcSecondMs += e.duration;
      this.gcSecondCount++;
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
    this.idle();
  }

  private take(): Reading {
    const r = this.readings[this.next]!;
    this.next = (this.next + 1) % MAX_READINGS;
    this.sched.read(r);
    return r;
  }

  /** The thread is about to wait (end of a pump, a run command's arrival, before the first pump). */
  idle(): void {
    this.take();
  }

  /** `sentWall`: when the pump's lateness was measured, on performance.now() (default: this reading). */
  wake(sentWall?: number): void {
    this.wokeAt = this.take();
    this.sentWall = sentWall ?? this.wokeAt.wall;
  }

  /** A send `lateMs` late, due at `atMs` (run time); call between wake() and idle(). */
  late(lateMs: number, atMs: number): void {
    if (this.worst && lateMs <= this.worst.lateMs) return;
    const b = this.wokeAt;
    const due = this.sentWall - lateMs; // the due time on this thread's performance.now()
    let a: Reading | undefined;
    // Unused slots (wall -Infinity, no counters) are never a start: a due time before every
    // reading (a long backlog, or a pump descheduled between its wake and its clock read) falls
    // back to the oldest reading there is.
    for (const r of this.readings) if (r !== b && Number.isFinite(r.wall) && r.wall <= due && (!a || r.wall > a.wall)) a = r;
    a ??= this.oldest(b);
    this.worst = {
      lateMs, atMs, gapMs: b.wall - a.wall, runningMs: (b.runNs - a.runNs) / 1e6, runQueueMs: (b.waitNs - a.waitNs) / 1e6,
      from: a.wall, to: b.wall,
    };
  }

  private oldest(not: Reading): Reading {
    let a = not;
    for (const r of this.readings) if (r.wall < a.wall && Number.isFinite(r.wall)) a = r;
    return a;
  }

  /** Close the second: its worst stall with its GC share, the second's GC total and event-loop utilization. */
  second(): { stall: StallReport | null; gcMs: number; gcCount: number; elu: number } {
    const w = this.worst;
    let stall: StallReport | null = null;
    if (w) {
      const gcMs = this.gcs.reduce((sum, g) => sum + Math.max(0, Math.min(g.end, w.to) - Math.max(g.start, w.from)), 0);
      const { from: _f, to: _t, ...rest } = w;
      stall = { ...rest, gcMs, verdict: verdictOf(w.runningMs, w.runQueueMs, gcMs, w.gapMs) };
    }
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const out = { stall, gcMs: this.gcSecondMs, gcCount: this.gcSecondCount, elu: elu.utilization };
    this.worst = null;
    this.gcSecondMs = 0;
    this.gcSecondCount = 0;
    return out;
  }

  /** CPU and run-queue wait of this thread since `from` (a reading), ms; and the wall time. */
  since(from: Reading): { wallMs: number; runningMs: number; runQueueMs: number } {
    const now: Reading = { wall: 0, runNs: 0, waitNs: 0 };
    this.sched.read(now);
    return { wallMs: now.wall - from.wall, runningMs: (now.runNs - from.runNs) / 1e6, runQueueMs: (now.waitNs - from.waitNs) / 1e6 };
  }

  /** A reading now (for since()). */
  mark(): Reading {
    const r: Reading = { wall: 0, runNs: 0, waitNs: 0 };
    this.sched.read(r);
    return r;
  }

  close(): void {
    this.observer.disconnect();
    this.sched.close();
  }
}
