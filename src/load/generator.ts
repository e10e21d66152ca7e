// One load generator thread's engine: open-loop senders and their receivers. Every chat is
// sent at (or as soon as possible after) its intended time from the schedule, never paced by
// replies; a chat's latency is measured from its intended time. Sender and receiver of a flow
// live in this thread, so one clock stamps both ends. How late this thread itself was in
// sending is measured too, so a generator that could not keep the rate says so.
import { createHistogram } from 'node:perf_hooks';
import { type DecodedMessage, MessageType, encode } from '../protocol/index.ts';
import { threadCpuNs } from '../faults/proxy-table.ts';
import { type Timer, defaultScheduler } from '../faults/scheduler.ts';
import { nowMs } from '../util/clock.ts';
import { type LoadClient, closeClients, connectClients, routesReady } from './client-set.ts';
import { FlowStats, recordUs } from './flow-stats.ts';
import type { GeneratorCommand, GeneratorData, GeneratorMessage, RunReport, SecondReport } from './generator-api.ts';
import { FlowSchedule } from './schedule.ts';
import { LOAD_STAMP_BYTES, readLoadStamp, writeLoadStamp } from './stamp.ts';
import { StallProbe } from './stall-probe.ts';

/** An uncounted chat's sent-at when it was not sent: its load client's connection was closed. */
const CUT = -Infinity;
/** A sender's socket buffer past this holds further chats back (still timed from their intended time). */
const MAX_SOCKET_BACKLOG = 4 << 20;

interface Flow {
  index: number;
  from: LoadClient;
  to: number;
  template: Buffer;
  schedule: FlowSchedule;
  stats: FlowStats;
  seq: number;
}

const emptySecond = (second: number): SecondReport => ({
  second, offered: 0, sent: 0, delivered: 0, duplicated: 0, reordered: 0, unknownDestination: 0, cut: 0,
  latency: createHistogram(), closedLoop: createHistogram(), lateMaxUs: 0, behindMs: 0, cpuNs: 0,
  stall: null, gcMs: 0, gcCount: 0, elu: 0,
});

export class Generator {
  private clients: LoadClient[] = [];
  private flows: Flow[] = [];
  /** receiver id -> sender id -> flow */
  private byEnds = new Map<number, Map<number, Flow>>();
  private run = -1;
  private t0 = 0;
  private second: SecondReport = emptySecond(0);
  private steps: RunReport['steps'] = [];
  private lateness = createHistogram();
  /** The next pump, on the precise scheduler: setTimeout's millisecond grain made every chat ~0.6 ms late at p50. */
  private timer: Timer | undefined;
  private secondTimer: NodeJS.Timeout | undefined;
  private cpuAt = 0;
  private cutAsked = false;
  private cutApplied = false;
  private cutAtMs: number | undefined;
  private finishRun: (() => void) | undefined;
  private drainMs = 0;
  /** why this thread was late: see stall-probe.ts */
  private readonly probe = new StallProbe();
  /**
   * Chats taken off the schedule and not yet counted, as (flow, intended, sent-at, seq):
   * counted at this thread's next wake (a delivery, once stamped; the next pump, once written;
   * the second's close), not right after the write, when the server thread it just woke may
   * be waiting for this core. Bounded: emptied at every pump.
   */
  private readonly uncounted: Array<Flow | number> = [];
  private start: RunReport['start'] = { commandAtMs: 0, setupMs: 0, setupRunningMs: 0, setupRunQueueMs: 0 };

  constructor(private readonly data: GeneratorData, private readonly post: (m: GeneratorMessage) => void) {}

  async connect(): Promise<void> {
    this.clients = await connectClients(this.data.clients, (c, m, at) => this.onFrame(c, m, at), this.data.timeoutMs);
    const byId = new Map(this.clients.map((c) => [c.spec.id, c]));
    const size = Math.max(LOAD_STAMP_BYTES, this.data.size);
    this.flows = this.data.flows.map((f) => ({
      index: f.index, from: byId.get(f.from)!, to: f.to, seq: 0,
      template: encode({ type: MessageType.ClientChat, sourceId: f.from, destinationId: f.to, content: 'x'.repeat(size) }),
      schedule: new FlowSchedule([], 0, 0), stats: new FlowStats(0),
    }));
    for (const f of this.flows) {
      if (!this.byEnds.has(f.to)) this.byEnds.set(f.to, new Map());
      this.byEnds.get(f.to)!.set(f.from.spec.id, f);
    }
    await routesReady(this.flows.map((f) => ({ from: f.from, to: f.to })), this.data.timeoutMs);
  }

  async command(c: GeneratorCommand): Promise<void> {
    if (c.type === 'prepare') this.prepare(c);
    else if (c.type === 'go') await this.startRun(c);
    else if (c.type === 'cut') this.cutAsked = true;
    else {
      await closeClients(this.clients);
      this.probe.close();
      this.post({ type: 'closed' });
    }
  }

  /**
   * Build the run's state before any clock starts: a few hundred HDR histograms and the
   * schedules cost this thread 15-350 ms of CPU on a busy machine, which used to fall inside
   * the 100 ms between t0 being chosen and the first chat (issue 23's first-second stall).
   */
  private prepare(c: Extract<GeneratorCommand, { type: 'prepare' }>): void {
    const began = this.probe.mark();
    this.run = c.run;
    this.cutAsked = false;
    this.cutApplied = false;
    this.cutAtMs = undefined;
    this.lateness = createHistogram();
    this.steps = c.steps.map(() => ({ offered: 0, delivered: 0, latency: createHistogram() }));
    for (const [i, f] of this.flows.entries()) {
      f.schedule = new FlowSchedule(c.steps, c.shares[i]!, c.phases[i]!);
      f.stats = new FlowStats(f.schedule.total);
      f.seq = 0;
    }
    this.drainMs = c.drainMs;
    const setup = this.probe.since(began);
    this.start = { commandAtMs: NaN, setupMs: setup.wallMs, setupRunningMs: setup.runningMs, setupRunQueueMs: setup.runQueueMs };
    this.post({ type: 'armed', run: c.run });
  }

  private async startRun(c: Extract<GeneratorCommand, { type: 'go' }>): Promise<void> {
    if (c.run !== this.run) throw new Error(`go for run ${c.run}, but run ${this.run} was prepared`);
    this.start.commandAtMs = nowMs() - c.t0;
    this.t0 = c.t0;
    this.second = emptySecond(0);
    this.cpuAt = threadCpuNs();
    this.probe.second(); // the idle time between runs is no second of this run
    this.probe.idle();
    const wait = Math.max(0, this.t0 - nowMs());
    await new Promise((r) => setTimeout(r, wait));
    this.secondTimer = setInterval(() => this.closeSecond(), 1000);
    await new Promise<void>((resolve) => {
      this.finishRun = resolve;
      this.pump();
    });
    // Schedule done: wait for the tail, bounded.
    const drainEnd = nowMs() + this.drainMs;
    while (nowMs() < drainEnd && this.flows.some((f) => f.stats.lost > 0)) await new Promise((r) => setTimeout(r, 10));
    clearInterval(this.secondTimer);
    this.closeSecond();
    this.post({ type: 'done', report: this.report() });
  }

  /**
   * Send every chat due by now, then sleep until the next one is due. Latency runs from the
   * intended time, so everything this thread does between a due time and the write is inside
   * every chat's latency: only the frames' stamps come before the writes; the stall probe's
   * reading (a /proc read) comes after, and the counts and histograms wait for this thread's
   * next wake (issue 23: before, they sat on the send path, and the lateness stamp was taken
   * after the probe's read).
   */
  private pump = (): void => {
    this.timer = undefined;
    const now = nowMs() - this.t0;
    if (this.cutAsked && !this.cutApplied) {
      this.cutApplied = true;
      this.cutAtMs = now;
      for (const f of this.flows) f.schedule.cutAt(now);
    }
    const out = new Map<LoadClient, Buffer[]>();
    const uncounted = this.uncounted;
    const first = uncounted.length;
    let next = Infinity;
    let pending = false;
    for (const f of this.flows) {
      for (let t = f.schedule.peek(); t !== undefined; t = f.schedule.peek()) {
        if (t > now) {
          next = Math.min(next, t);
          pending = true;
          break;
        }
        if (f.from.open && f.from.socket.writableLength > MAX_SOCKET_BACKLOG) {
          pending = true;
          next = Math.min(next, now + 1); // held back; retried next turn, still timed from t
          break;
        }
        f.schedule.advance();
        const seq = f.seq++;
        if (!f.from.open) {
          uncounted.push(f, t, CUT, seq);
          continue;
        }
        uncounted.push(f, t, NaN, seq);
        const frame = Buffer.from(f.template);
        writeLoadStamp(frame, { run: this.run, seq, intendedUs: Math.round(t * 1000) >>> 0 });
        let list = out.get(f.from);
        if (!list) out.set(f.from, (list = []));
        list.push(frame);
      }
    }
    const sentAt = nowMs() - this.t0;
    for (const [c, frames] of out) c.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    // Off the latency path from here on: one probe reading (the end of this gap and the start
    // of the next), this pump's worst lateness for it, and the counts of the previous pump.
    this.probe.wake(sentAt + this.t0 - performance.timeOrigin);
    let oldest = Infinity;
    for (let i = first; i < uncounted.length; i += 4) {
      if (uncounted[i + 2] === CUT) continue;
      uncounted[i + 2] = sentAt;
      (uncounted[i] as Flow).stats.wrote(uncounted[i + 3] as number, sentAt);
      oldest = Math.min(oldest, uncounted[i + 1] as number);
    }
    if (oldest !== Infinity && (sentAt - oldest) * 1000 > this.second.lateMaxUs) {
      this.second.lateMaxUs = (sentAt - oldest) * 1000;
      this.probe.late(sentAt - oldest, oldest);
    }
    if (!pending) {
      this.countUpTo(); // the drain's loss check needs every send counted
      return this.finishRun?.();
    }
    this.countUpTo(first);
    this.timer = defaultScheduler.at(this.t0 + next, this.pump);
  };

  /** Count the uncounted chats before index `end` (all by default). */
  private countUpTo(end = this.uncounted.length): void {
    const u = this.uncounted;
    for (let i = 0; i < end; i += 4) this.count(u[i] as Flow, u[i + 1] as number, u[i + 2] as number);
    u.splice(0, end);
  }

  /** The counts of a chat the pump took off the schedule and wrote at `sentAt` (or CUT: its client was closed). */
  private count(f: Flow, t: number, sentAt: number): void {
    this.steps[f.schedule.stepAt(t)]!.offered++;
    f.stats.totals.offered++;
    this.second.offered++;
    if (sentAt === CUT) {
      f.stats.totals.cut++;
      this.second.cut++;
      return;
    }
    f.stats.totals.sent++;
    this.second.sent++;
    recordUs(this.lateness, (sentAt - t) * 1000);
  }

  /** `arrivedAt`: when the bytes of `m` were read (before decoding: decoding is this thread's work, not the network's). */
  private onFrame(c: LoadClient, m: DecodedMessage, arrivedAt: number): void {
    if (this.run < 0) return;
    if (m.type === MessageType.ClientChat) {
      const f = this.byEnds.get(m.destinationId)?.get(m.sourceId);
      const stamp = readLoadStamp(m.raw);
      if (!f || !stamp || stamp.run !== (this.run >>> 0)) return; // another run's tail
      const now = arrivedAt - this.t0;
      this.countUpTo(); // stamped: this thread's own work may run now
      const intended = stamp.intendedUs / 1000;
      const { duplicated, reordered } = f.stats.totals;
      const us = f.stats.delivered(stamp.seq, intended, now);
      this.second.duplicated += f.stats.totals.duplicated - duplicated;
      this.second.reordered += f.stats.totals.reordered - reordered;
      if (us < 0) return;
      this.second.delivered++;
      recordUs(this.second.latency, us);
      recordUs(this.second.closedLoop, f.stats.lastClosedUs);
      const step = this.steps[f.schedule.stepAt(intended)];
      if (step) {
        step.delivered++;
        recordUs(step.latency, us);
      }
    } else if (m.type === MessageType.Status && m.statusCode === 1) {
      const to = Number(/Unknown ID (\d+)/.exec(m.content)?.[1]);
      const f = this.flows.find((x) => x.from === c && x.to === to);
      if (f) {
        f.stats.totals.unknownDestination++;
        this.second.unknownDestination++;
      }
    }
  }

  private closeSecond(): void {
    this.countUpTo();
    const s = this.second;
    const cpu = threadCpuNs();
    s.cpuNs = cpu - this.cpuAt;
    this.cpuAt = cpu;
    Object.assign(s, this.probe.second());
    const now = nowMs() - this.t0;
    for (const f of this.flows) {
      const t = f.schedule.peek();
      if (t !== undefined && t <= now) s.behindMs = Math.max(s.behindMs, now - t);
    }
    this.post({ type: 'second', run: this.run, report: s });
    this.second = emptySecond(s.second + 1);
  }

  private report(): RunReport {
    return {
      run: this.run,
      cut: this.cutAsked,
      cutAtMs: this.cutAtMs,
      steps: this.steps,
      lateness: this.lateness,
      start: this.start,
      flows: this.flows.map((f) => ({ index: f.index, ...f.stats.totals, lost: f.stats.lost, latency: f.stats.latency, closedLoop: f.stats.closedLoop, fromWrite: f.stats.fromWrite })),
    };
  }
}

