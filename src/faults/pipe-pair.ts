// One proxied connection: the dialler's end (an accepted socket, or an in-memory end), the end
// dialled to the target, and the two pipes between them (upstream: client -> target,
// downstream: target -> client), with the connection's lifecycle: dialling, open, closing
// (gracefully, by reset, or at once), closed. How the ends are made is the proxy's
// (socket-ends.ts, memory-ends.ts); here they are ByteStreams.
import type { ClockTimer } from '../util/clock.ts';
import type { ByteStream, ReadSource } from './byte-stream.ts';
import { type Gate, Pipe, type PipeSettings } from './pipe.ts';
import type { ToxicCollection, ToxicTarget } from './toxic-collection.ts';
import type { Direction } from './toxic.ts';

/** What a connection needs from its proxy. */
export interface PairOwner extends PipeSettings {
  /** Names the target in errors ("host:port", or an in-memory name). */
  readonly targetLabel: string;
  /** The gate this direction has right now. */
  gate(direction: Direction): Gate;
  /** Both ends have closed. */
  pairClosed(pair: PipePair): void;
}

/** A connection's two ends, as the proxy made them. */
export interface PairEnds {
  /** The dialler's end: paused, not read yet. */
  client: ByteStream;
  clientReads: ReadSource;
  /** The end dialled to the target: connecting, or connected already. */
  target: ByteStream;
  targetReads: ReadSource;
  /** The target end is paused too, until the pipes start (a socket reads from 'connect' on). */
  targetPaused?: boolean;
  /** Names the dialler in events. */
  remote: string;
}

type PairState = 'dialing' | 'open' | 'closing' | 'closed';

/** How long a gracefully closed connection may wait for the peers' FINs before it is destroyed. */
export const CLOSE_GRACE_MS = 1000;

function resetSocket(s: ByteStream): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

export class PipePair implements ToxicTarget {
  private state: PairState = 'dialing';
  readonly target: ByteStream;
  readonly client: ByteStream;
  /** How each side is read (upstream reads the client, downstream the target). */
  private readonly upSlot: ReadSource;
  private readonly downSlot: ReadSource;
  up: Pipe | undefined;
  down: Pipe | undefined;
  reason: string | undefined;
  readonly remote: string;
  private socketsClosed = 0;
  private grace: ClockTimer | undefined;
  private connectTimer: ClockTimer | undefined;
  private readonly errors = new Map<ByteStream, NodeJS.ErrnoException>();
  private readonly targetPaused: boolean;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(readonly proxy: PairOwner, private readonly toxics: ToxicCollection, readonly id: number, ends: PairEnds) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.remote = ends.remote;
    this.client = ends.client;
    this.target = ends.target;
    this.upSlot = ends.clientReads;
    this.downSlot = ends.targetReads;
    this.targetPaused = ends.targetPaused ?? false;
    for (const s of [this.client, this.target]) {
      s.on('error', (err: NodeJS.ErrnoException) => this.errors.set(s, err));
      s.once('close', (hadError) => this.onSocketClose(s, hadError));
    }
    if (this.target.connecting) this.target.once('connect', () => this.onTargetConnect());
    else {
      // Connected already (in memory): open on a later turn, after the proxy has counted it.
      const clock = proxy.scheduler.clock;
      this.connectTimer = clock.at(clock.now(), () => this.onTargetConnect());
    }
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  pipe(d: Direction): Pipe {
    return (d === 'upstream' ? this.up : this.down)!;
  }

  private onTargetConnect(): void {
    if (this.state !== 'dialing') return;
    this.state = 'open';
    const p = this.proxy;
    this.up = new Pipe(this, 'upstream', this.client, this.target, p.gate('upstream'), this.upSlot);
    this.down = new Pipe(this, 'downstream', this.target, this.client, p.gate('downstream'), this.downSlot);
    this.toxics.attach(this);
    this.up.start();
    this.down.start();
    this.client.resume(); // the client end waits, paused, until the target answers
    if (this.targetPaused) this.target.resume();
  }

  /** Hold or silence changed: set each direction's gate. */
  updateGates(): void {
    this.up?.setGate(this.proxy.gate('upstream'));
    this.down?.setGate(this.proxy.gate('downstream'));
  }

  /** Graceful: deliver what has reached the sockets, then FIN both peers; drop the rest. */
  close(reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.state === 'open') {
      this.up!.flush();
      this.down!.flush();
    }
    this.begin(reason);
    if (!this.target.destroyed && this.target.connecting) this.target.destroy();
    for (const s of [this.client, this.target]) {
      if (s.destroyed) continue;
      s.end();
      s.resume();
    }
    const clock = this.proxy.scheduler.clock;
    this.grace = clock.at(clock.now() + CLOSE_GRACE_MS, () => this.destroy());
  }

  /** Abort: both peers see a TCP RST. */
  reset(reason: string): void {
    if (this.state === 'closed') return;
    this.begin(reason);
    resetSocket(this.client);
    resetSocket(this.target);
  }

  /** At once, no FIN ceremony (stop()). */
  destroy(reason = 'proxy stopped'): void {
    if (this.state === 'closed') return;
    this.begin(reason);
    this.client.destroy();
    this.target.destroy();
  }

  private begin(reason: string): void {
    this.reason ??= reason;
    if (this.state === 'closing') return;
    this.state = 'closing';
    this.proxy.scheduler.clock.cancel(this.connectTimer);
    this.toxics.detach(this);
    this.up?.teardown();
    this.down?.teardown();
  }

  private onSocketClose(s: ByteStream, hadError: boolean): void {
    if (this.state === 'open' || this.state === 'dialing') {
      const other = s === this.client ? this.target : this.client;
      const side = s === this.client ? 'client' : 'target';
      const err = this.errors.get(s);
      if (this.state === 'dialing' && s === this.target) {
        // Target unreachable: show the dialler a refusal (RST) rather than a clean close.
        this.reset(`target ${this.proxy.targetLabel} unreachable: ${err?.code ?? err?.message ?? 'closed'}`);
      } else if (err?.code === 'ECONNRESET') {
        this.reset(`${side} reset the connection`);
      } else if (hadError) {
        this.begin(`${side} error: ${err?.code ?? err?.message}`);
        other.destroy();
      } else if (this.state === 'dialing') {
        this.begin('client closed before the target answered');
        other.destroy();
      } else {
        // A clean close of one side means both its halves are done, so the other socket has
        // read its FIN and gets its own once the chain delivers it: let it finish.
        this.reason ??= `${side} closed`;
      }
    }
    if (++this.socketsClosed < 2) return;
    this.proxy.scheduler.clock.cancel(this.grace);
    this.begin(this.reason ?? 'closed');
    this.state = 'closed';
    this.proxy.pairClosed(this);
    this.resolveClosed();
  }
}
