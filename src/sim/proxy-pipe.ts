// One direction of one proxied sim connection, as faults/pipe.ts is for sockets: the gate
// (open; held: a bounded queue; silent: bytes dropped), the chain of toxic stages (the real
// toxics from faults/registry.ts, timed by the sim's clock), and the destination end, with
// back-pressure (the source is paused while too much waits past the gate).
import type { Clock } from '../util/clock.ts';
import type { Timer } from '../faults/scheduler.ts';
import type { ToxicChain, ToxicEntry } from '../faults/toxic-collection.ts';
import { type Direction, type Toxic, type ToxicContext, seededStream } from '../faults/toxic.ts';
import type { SimStream } from './stream.ts';

export type Gate = 'open' | 'hold' | 'drop';

/** What a pipe needs from its connection. */
export interface PipeOwner {
  readonly id: number;
  readonly isOpen: boolean;
  readonly proxy: string;
  readonly seed: number;
  readonly clock: Clock;
  close(reason: string): void;
  reset(reason: string): void;
}

/** A held direction queues at most this much before its connection is reset (the real proxy's default). */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** Stop reading the source when this much waits past the gate (the real proxy's default). */
const HIGH_WATER = 4 * 1024 * 1024;

interface Stage {
  push(chunk: Buffer): void;
  end(): void;
}

class ToxicStage implements Stage {
  next: Stage;
  readonly toxic: Toxic;
  constructor(readonly entry: ToxicEntry, readonly ctx: ToxicContext, next: Stage) {
    this.next = next;
    this.toxic = entry.def.create(entry.info.attributes, ctx, { next: (c) => this.next.push(c), end: () => this.next.end() });
  }
  push(chunk: Buffer): void {
    this.toxic.onData(chunk);
  }
  end(): void {
    this.toxic.onEnd();
  }
}

export class ProxyPipe implements Stage, ToxicChain {
  private readonly stages: ToxicStage[] = [];
  private head: Stage = this;
  bytesIn = 0;
  bytesOut = 0;
  dropped = 0;
  private lost = false;
  private held: Buffer[] = [];
  queued = 0;
  private endHeld = false;
  private paused = false;

  constructor(private readonly owner: PipeOwner, readonly direction: Direction, private readonly src: SimStream, private readonly dst: SimStream, private gate: Gate) {
    src.onData = (chunk) => this.onData(chunk);
    dst.onDrain = () => this.maybeResume();
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (!this.owner.isOpen) return;
    if (this.gate === 'drop') {
      this.dropped += chunk.length;
      this.lost = true;
      return;
    }
    if (this.gate === 'hold') {
      this.held.push(chunk);
      this.queued += chunk.length;
      if (this.queued > MAX_HELD_BYTES) this.owner.reset(`${this.direction} queue exceeded ${MAX_HELD_BYTES} bytes while the link was held`);
      return;
    }
    this.head.push(chunk);
    this.maybePause();
  }

  /** The source closed: its FIN walks the chain (a latency toxic delays it like the bytes before it). */
  srcEnded(): void {
    if (!this.owner.isOpen) return;
    if (this.gate === 'drop') this.lost = true;
    else if (this.gate === 'hold') this.endHeld = true;
    else this.head.end();
  }

  pressure(): number {
    let n = this.dst.writableLength;
    for (const s of this.stages) n += s.toxic.buffered();
    return n;
  }

  private maybePause(): void {
    if (!this.paused && this.pressure() > HIGH_WATER) {
      this.paused = true;
      this.src.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.pressure() <= HIGH_WATER / 2) {
      this.paused = false;
      if (this.owner.isOpen) this.src.resume();
    }
  }

  // ---- the destination (the chain's last stage) ----

  push(chunk: Buffer): void {
    if (!this.owner.isOpen) return;
    this.bytesOut += chunk.length;
    this.dst.write(chunk);
  }

  end(): void {
    if (this.owner.isOpen) this.dst.end();
  }

  // ---- the chain and the gate ----

  private context(name: string): ToxicContext {
    const o = this.owner;
    const clock = o.clock;
    return {
      proxy: o.proxy, conn: o.id, direction: this.direction, toxic: name,
      now: () => clock.now(),
      rand: seededStream(o.seed, o.proxy, o.id, this.direction, name),
      at: (due, fn) => clock.at(due, fn) as unknown as Timer,
      cancel: (t) => clock.cancel(t as never),
      flush: () => {},
      close: (reason) => o.close(reason),
      reset: (reason) => o.reset(reason),
    };
  }

  addStage(entry: ToxicEntry): void {
    const stage = new ToxicStage(entry, this.context(entry.info.name), this);
    const last = this.stages.at(-1);
    if (last) last.next = stage;
    else this.head = stage;
    this.stages.push(stage);
  }

  removeStage(name: string): void {
    const i = this.stages.findIndex((s) => s.entry.info.name === name);
    if (i < 0) return;
    const stage = this.stages[i]!;
    stage.toxic.flush();
    this.stages.splice(i, 1);
    this.relink(i, stage.next);
    this.maybeResume();
  }

  replaceStage(entry: ToxicEntry): void {
    const i = this.stages.findIndex((s) => s.entry.info.name === entry.info.name);
    if (i < 0) return;
    const old = this.stages[i]!;
    old.toxic.flush();
    const stage = new ToxicStage(entry, old.ctx, old.next);
    this.stages[i] = stage;
    this.relink(i, stage);
  }

  private relink(i: number, next: Stage): void {
    const prev = this.stages[i - 1];
    if (prev) prev.next = next;
    else this.head = next;
  }

  /** Hold, drop or let flow; a direction that lost bytes resets its connection when it opens again (as the real proxy). */
  setGate(gate: Gate): void {
    const was = this.gate;
    this.gate = gate;
    if (gate === 'drop' && (this.held.length > 0 || this.endHeld)) {
      this.dropped += this.queued;
      this.lost = true;
      this.held = [];
      this.queued = 0;
      this.endHeld = false;
    }
    if (was === 'drop' && gate !== 'drop' && this.lost && this.owner.isOpen) {
      this.owner.reset(`${this.direction} lost ${this.dropped} bytes while the link was silent`);
      return;
    }
    if (gate !== 'open' || (this.held.length === 0 && !this.endHeld)) return;
    const q = this.held;
    this.held = [];
    this.queued = 0;
    for (const c of q) this.head.push(c);
    if (this.endHeld) {
      this.endHeld = false;
      this.head.end();
    }
    this.maybePause();
  }

  teardown(): void {
    for (const s of this.stages) s.toxic.destroy();
    this.held = [];
    this.queued = 0;
  }
}
