// One direction of one proxied connection: the gate (open; held: a bounded queue; or silent:
// bytes dropped), the chain of toxic stages, and the destination socket at the end, with flow
// control (the source is paused while too much waits past the gate).
//
// The source is read into a buffer of its own (read-slot.ts). With no toxic, the gate open and
// the connection open, a pipe is a plain relay: each read is written at once, from that buffer
// (a read is already everything the socket had, up to 64 KiB; corking the reads of a turn into
// one writev cost more CPU than it saved, and held every chunk to the end of the turn), and the
// source is paused while the destination holds more than 1 MiB unsent. Otherwise chunks are
// copied out of the read buffer and walk the chain, and what reaches the destination during
// one dispatch leaves in one write (WriteBatch on the dispatch scope).
//
// Time (toxics' timers, batching) is the proxy's Scheduler's; the two ends are ByteStreams (a
// socket, or an in-memory pipe end), so the same chain runs on real ports or in virtual time.
import { type DispatchScope, WriteBatch } from '../net/write-coalescer.ts';
import type { ByteStream, ReadSource } from './byte-stream.ts';
import type { Scheduler } from './scheduler.ts';
import type { ToxicEntry } from './toxic-collection.ts';
import { type Direction, type Toxic, type ToxicContext, type ToxicOutput, seededStream } from './toxic.ts';

/**
 * The gate in front of a direction: 'open'; 'hold' (bytes queue until it opens); 'drop'
 * (silent: bytes and a FIN are dropped and counted, the connection stays open). A stream that
 * lost bytes cannot go on, so the connection is reset when its gate opens again: what a peer
 * that gave up on it answers with.
 */
export type Gate = 'open' | 'hold' | 'drop';

/** What a pipe needs from the connection it belongs to. */
export interface PipeOwner {
  /** Connection number within the proxy. */
  readonly id: number;
  readonly isOpen: boolean;
  readonly proxy: PipeSettings;
  close(reason: string): void;
  reset(reason: string): void;
}

/** The proxy-wide settings a pipe reads. */
export interface PipeSettings {
  readonly name: string;
  readonly seed: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  /** Time for the toxics, and the dispatch scope writes coalesce in. */
  readonly scheduler: Scheduler;
}

/** A link in a chain: a toxic, or the destination at the end. */
interface Stage {
  push(chunk: Buffer): void;
  end(): void;
}

/** Bytes the destination socket may hold unsent on the fast path before the source is paused. */
const FAST_HIGH_WATER = 1024 * 1024;

class ToxicStage implements Stage {
  next: Stage;
  readonly toxic: Toxic;
  constructor(readonly entry: ToxicEntry, readonly ctx: ToxicContext, next: Stage) {
    this.next = next;
    const out: ToxicOutput = {
      next: (chunk) => this.next.push(chunk),
      end: () => this.next.end(),
    };
    this.toxic = entry.def.create(entry.info.attributes, ctx, out);
  }
  push(chunk: Buffer): void {
    this.toxic.onData(chunk);
  }
  end(): void {
    this.toxic.onEnd();
  }
}

export class Pipe implements Stage {
  private readonly stages: ToxicStage[] = [];
  private head: Stage = this;
  /** No toxics, gate open, connection open: read -> write. */
  private fast = false;
  bytesIn = 0;
  bytesOut = 0;
  /** Bytes dropped while silent. */
  dropped = 0;
  /** Bytes or a FIN were dropped: the stream is broken. */
  private lost = false;
  private gate: Gate;
  /** Held: bytes wait here. */
  private gateQueue: Buffer[] = [];
  queued = 0;
  private endQueued = false;
  private paused = false;
  /** Toxic path: one write per dispatch. */
  private readonly out: WriteBatch;
  private readonly dispatch: DispatchScope;

  constructor(
    private readonly owner: PipeOwner,
    readonly direction: Direction,
    private readonly src: ByteStream,
    private readonly dst: ByteStream,
    gate: Gate,
    /** how `src` is read */
    private readonly slot: ReadSource,
  ) {
    this.gate = gate;
    this.dispatch = owner.proxy.scheduler.dispatch;
    this.out = new WriteBatch(this.dispatch, (buf) => this.write(buf));
  }

  /** Start reading the source. */
  start(): void {
    this.refresh();
    this.slot.reader = this.onData;
    this.src.on('end', this.onSrcEnd);
    this.dst.on('drain', this.onDrain);
  }

  // ---- source side ----

  /** `view`: a view of the read buffer, valid during this call only. */
  private readonly onData = (view: Buffer): void => {
    this.bytesIn += view.length;
    if (this.fast) {
      // Plain pipe: write the read buffer itself. What the kernel did not take at once stays
      // queued in the socket, referencing the buffer: read into a new one. Pause the source
      // only when the destination has a lot unsent (pausing at the 16 KiB socket default
      // halves throughput).
      this.bytesOut += view.length;
      this.dst.write(view);
      const unsent = this.dst.writableLength;
      if (unsent > 0) {
        this.slot.retain();
        if (!this.paused && unsent > FAST_HIGH_WATER) {
          this.paused = true;
          this.src.pause();
        }
      }
      return;
    }
    if (!this.owner.isOpen) return; // closing: discard
    if (this.gate === 'drop') {
      this.dropped += view.length;
      this.lost = true;
      return;
    }
    // Kept past this call (queued, or held by a toxic): a copy of its own size.
    const chunk = Buffer.from(view);
    if (this.gate === 'hold') {
      this.gateQueue.push(chunk);
      this.queued += chunk.length;
      const max = this.owner.proxy.maxQueueBytes;
      if (this.queued > max) this.owner.reset(`${this.direction} queue exceeded ${max} bytes while the link was held`);
      return;
    }
    this.dispatch.run(() => this.head.push(chunk));
    this.maybePause();
  };

  private readonly onSrcEnd = (): void => {
    if (!this.owner.isOpen) return;
    if (this.gate === 'drop') {
      this.lost = true;
      return;
    }
    if (this.gate === 'hold') {
      this.endQueued = true;
      return;
    }
    this.dispatch.run(() => this.head.end());
  };

  private readonly onDrain = (): void => {
    this.maybeResume();
  };

  /** Bytes past the gate not yet handed to the kernel. */
  pressure(): number {
    let n = this.dst.writableLength + this.out.bytes;
    for (const s of this.stages) n += s.toxic.buffered();
    return n;
  }

  private maybePause(): void {
    if (!this.paused && this.pressure() > this.owner.proxy.highWaterBytes) {
      this.paused = true;
      this.src.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.pressure() <= this.owner.proxy.highWaterBytes / 2) {
      this.paused = false;
      if (this.owner.isOpen) this.src.resume();
    }
  }

  // ---- destination side (the last stage) ----

  push(chunk: Buffer): void {
    if (this.owner.isOpen) this.out.push(chunk);
  }

  end(): void {
    if (!this.owner.isOpen) return;
    this.out.flush();
    this.dst.end();
  }

  /** Write what has reached the destination in this dispatch now. */
  flush(): void {
    this.out.flush();
  }

  private write(buf: Buffer): void {
    if (!this.owner.isOpen || this.dst.destroyed) return;
    this.bytesOut += buf.length;
    this.dst.write(buf);
    if (this.paused) this.maybeResume();
  }

  // ---- chain and gate changes ----

  private context(name: string): ToxicContext {
    const owner = this.owner;
    const sched = owner.proxy.scheduler;
    return {
      proxy: owner.proxy.name,
      conn: owner.id,
      direction: this.direction,
      toxic: name,
      now: sched.now,
      rand: seededStream(owner.proxy.seed, owner.proxy.name, owner.id, this.direction, name),
      at: sched.at,
      cancel: sched.cancel,
      flush: () => this.out.flush(),
      close: (reason) => owner.close(reason),
      reset: (reason) => owner.reset(reason),
    };
  }

  /** Append a toxic to the chain (before the destination). */
  addStage(entry: ToxicEntry): void {
    const stage = new ToxicStage(entry, this.context(entry.info.name), this);
    const last = this.stages[this.stages.length - 1];
    if (last) last.next = stage;
    else this.head = stage;
    this.stages.push(stage);
    this.refresh();
  }

  /** Unlink a toxic; what it holds is handed on first, in order. */
  removeStage(name: string): void {
    const i = this.stages.findIndex((s) => s.entry.info.name === name);
    if (i < 0) return;
    const stage = this.stages[i]!;
    this.dispatch.run(() => stage.toxic.flush());
    this.stages.splice(i, 1);
    this.link(i, stage.next);
    this.refresh();
    this.maybeResume();
  }

  /**
   * Put a new instance (new attributes) in place of a toxic: the old one hands on what it holds,
   * in order, then later chunks go through the new one. Its random stream carries on.
   */
  replaceStage(entry: ToxicEntry): void {
    const i = this.stages.findIndex((s) => s.entry.info.name === entry.info.name);
    if (i < 0) return;
    const old = this.stages[i]!;
    this.dispatch.run(() => old.toxic.flush());
    const stage = new ToxicStage(entry, old.ctx, old.next);
    this.stages[i] = stage;
    this.link(i, stage);
    this.maybeResume();
  }

  /** Make stage i's predecessor (or the head) point at `next`. */
  private link(i: number, next: Stage): void {
    const prev = this.stages[i - 1];
    if (prev) prev.next = next;
    else this.head = next;
  }

  /**
   * Hold, drop or let flow: held bytes are delivered, in order, on opening; what is held when
   * the gate turns silent is dropped. A stream that lost bytes is reset when its gate leaves
   * 'drop'.
   */
  setGate(gate: Gate): void {
    const was = this.gate;
    this.gate = gate;
    if (gate === 'drop' && (this.gateQueue.length > 0 || this.endQueued)) {
      this.dropped += this.queued;
      this.lost = true;
      this.gateQueue = [];
      this.queued = 0;
      this.endQueued = false;
    }
    if (was === 'drop' && gate !== 'drop' && this.lost && this.owner.isOpen) {
      this.owner.reset(`${this.direction} lost ${this.dropped} bytes while the link was silent`);
      return;
    }
    this.refresh();
  }

  /** After a chain, gate or state change: recompute the fast path; deliver what the gate held. */
  private refresh(): void {
    const open = this.gate === 'open' && this.owner.isOpen;
    this.fast = open && this.stages.length === 0;
    if (!open || (this.gateQueue.length === 0 && !this.endQueued)) return;
    const q = this.gateQueue;
    this.gateQueue = [];
    this.queued = 0;
    this.dispatch.run(() => {
      for (const chunk of q) this.head.push(chunk);
      if (this.endQueued) {
        this.endQueued = false;
        this.head.end();
      }
    });
    this.maybePause();
  }

  /** The connection is going away: stop toxics, drop what is held. */
  teardown(): void {
    this.fast = false;
    for (const s of this.stages) s.toxic.destroy();
    this.gateQueue = [];
    this.queued = 0;
    this.endQueued = false;
    this.out.clear();
    if (this.paused) {
      this.paused = false;
      this.src.resume(); // read and discard until the peer's FIN
    }
  }
}
