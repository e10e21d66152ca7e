// One proxied connection: the accepted client socket, the socket dialled to the target, and
// the two pipes between them (upstream: client -> target, downstream: target -> client), with
// the connection's lifecycle: dialling, open, closing (gracefully, by reset, or at once), closed.
import net from 'node:net';
import { type Gate, Pipe, type PipeSettings } from './pipe.ts';
import { ReadSlot, adoptWithSlot } from './read-slot.ts';
import type { ToxicCollection, ToxicTarget } from './toxic-collection.ts';
import type { Direction } from './toxic.ts';

/** What a connection needs from its proxy. */
export interface PairOwner extends PipeSettings {
  readonly target: { host: string; port: number };
  /** The gate this direction has right now. */
  gate(direction: Direction): Gate;
  /** Both sockets have closed. */
  pairClosed(pair: PipePair): void;
}

type PairState = 'dialing' | 'open' | 'closing' | 'closed';

/** How long a gracefully closed connection may wait for the peers' FINs before it is destroyed. */
export const CLOSE_GRACE_MS = 1000;

function resetSocket(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

export class PipePair implements ToxicTarget {
  private state: PairState = 'dialing';
  readonly target: net.Socket;
  readonly client: net.Socket;
  /** Where each side is read into (upstream reads the client, downstream the target). */
  private readonly upSlot = new ReadSlot();
  private readonly downSlot = new ReadSlot();
  up: Pipe | undefined;
  down: Pipe | undefined;
  reason: string | undefined;
  readonly remote: string;
  private socketsClosed = 0;
  private grace: NodeJS.Timeout | undefined;
  private readonly errors = new Map<net.Socket, NodeJS.ErrnoException>();
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  /** `accepted`: paused, not read yet (pauseOnConnect). */
  constructor(readonly proxy: PairOwner, private readonly toxics: ToxicCollection, readonly id: number, accepted: net.Socket) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.remote = `${accepted.remoteAddress}:${accepted.remotePort}`;
    const client = adoptWithSlot(accepted, this.upSlot);
    this.client = client;
    client.setNoDelay(true);
    const { host, port } = proxy.target;
    this.target = net.connect({ host, port, noDelay: true, allowHalfOpen: true, onread: this.downSlot.onread });
    for (const s of [client, this.target]) {
      s.on('error', (err: NodeJS.ErrnoException) => this.errors.set(s, err));
      s.once('close', (hadError) => this.onSocketClose(s, hadError));
    }
    this.target.once('connect', () => this.onTargetConnect());
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
    this.target.setNoDelay(true);
    const p = this.proxy;
    this.up = new Pipe(this, 'upstream', this.client, this.target, p.gate('upstream'), this.upSlot);
    this.down = new Pipe(this, 'downstream', this.target, this.client, p.gate('downstream'), this.downSlot);
    this.toxics.attach(this);
    this.up.start();
    this.down.start();
    this.client.resume(); // the listener pauses accepted sockets until the target answers
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
    this.grace = setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
    this.grace.unref();
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
    this.toxics.detach(this);
    this.up?.teardown();
    this.down?.teardown();
  }

  private onSocketClose(s: net.Socket, hadError: boolean): void {
    if (this.state === 'open' || this.state === 'dialing') {
      const other = s === this.client ? this.target : this.client;
      const side = s === this.client ? 'client' : 'target';
      const err = this.errors.get(s);
      if (this.state === 'dialing' && s === this.target) {
        // Target unreachable: show the dialler a refusal (RST) rather than a clean close.
        this.reset(`target ${this.proxy.target.host}:${this.proxy.target.port} unreachable: ${err?.code ?? err?.message ?? 'closed'}`);
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
    clearTimeout(this.grace);
    this.begin(this.reason ?? 'closed');
    this.state = 'closed';
    this.proxy.pairClosed(this);
    this.resolveClosed();
  }
}
