// A fault-injection TCP proxy in front of any server (toxiproxy-like, protocol-agnostic: it
// never parses the bytes). Each accepted connection dials the target; bytes flow through a
// per-direction chain of toxics, and the link as a whole can be cut (down), stalled one way
// (down one direction), or held and released.
//
// With no toxic and the link up, a direction is a plain pipe: the reads of one event-loop turn
// leave in one writev (cork, uncork in the check phase), and the source is paused while the
// destination holds more than 1 MiB unsent. Otherwise chunks walk the chain; all writes made
// during one dispatch (one read, one group of timers due together, a release) are coalesced
// per socket into one write.
import net from 'node:net';
import { nowMs } from '../util/clock.ts';
import type { ProxyEvent } from './events.ts';
import { parseToxicSpec, registry } from './registry.ts';
import { at as schedAt, batch, cancel as schedCancel, type Flushable, inBatch, markDirty, now as schedNow } from './scheduler.ts';
import {
  DIRECTIONS,
  type Direction,
  type DirectionSpec,
  type Toxic,
  type ToxicContext,
  type ToxicDefinition,
  type ToxicInfo,
  type ToxicOutput,
  type ToxicSpec,
  ToxicSpecError,
  directionsOf,
  seededStream,
} from './toxic.ts';

export interface LinkProxyOptions {
  /** Names the proxy in events, errors and seeds. */
  name: string;
  target: { host: string; port: number };
  /** Default 0: any free port (read it back from start() or `port`). */
  listenPort?: number;
  /** Default 127.0.0.1. */
  listenHost?: string;
  /** Seeds every toxic's random stream and the toxicity draws. Default 0. */
  seed?: number;
  /** Bytes one direction of one connection may queue while stalled or held before it is reset. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Stop reading a source when this many bytes wait in its toxics and destination socket. Default 4 MiB. */
  highWaterBytes?: number;
  onEvent?: (event: ProxyEvent) => void;
}

export type DownHow = 'close' | 'reset';

export interface DirectionStats {
  /** bytes read from the source side */
  in: number;
  /** bytes written to the destination side */
  out: number;
  /** bytes queued now because the direction is stalled or held */
  queued: number;
  /** bytes past the gate but not yet taken by the kernel: held by toxics, batched, or in the socket's buffer */
  buffered: number;
}

export interface ProxyStats {
  name: string;
  port: number;
  target: { host: string; port: number };
  connections: { open: number; total: number; refused: number };
  upstream: DirectionStats;
  downstream: DirectionStats;
  /** 'close' / 'reset' while down both ways (new connections refused that way). */
  down: DownHow | undefined;
  stalled: Direction[];
  held: Direction[];
  toxics: ToxicInfo[];
}

interface Entry {
  info: ToxicInfo;
  def: ToxicDefinition;
}

/** A link in a chain: a toxic, or the destination socket at the end. */
interface Stage {
  push(chunk: Buffer): void;
  end(): void;
}

const DEFAULT_MAX_QUEUE = 64 * 1024 * 1024;
const DEFAULT_HIGH_WATER = 4 * 1024 * 1024;
/** Bytes the destination socket may hold unsent on the fast path before the source is paused. */
const FAST_HIGH_WATER = 1024 * 1024;
/** How long a gracefully closed connection may wait for the peers' FINs before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

// Fast-path write batching: a pipe corks its destination on the first read of a loop turn;
// every pipe corked this turn is uncorked (one writev each) in the check phase.
let corkedPipes: Pipe[] = [];
let uncorkScheduled = false;
function corkForTurn(p: Pipe): void {
  p.cork();
  corkedPipes.push(p);
  if (!uncorkScheduled) {
    uncorkScheduled = true;
    setImmediate(uncorkAll);
  }
}
function uncorkAll(): void {
  uncorkScheduled = false;
  const list = corkedPipes;
  corkedPipes = [];
  for (const p of list) p.uncork();
}

function resetSocket(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

class ToxicStage implements Stage {
  next: Stage;
  readonly toxic: Toxic;
  constructor(readonly entry: Entry, ctx: ToxicContext, next: Stage) {
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

/** One direction of one connection: gate (stall/hold queue) -> toxics -> destination socket. */
class Pipe implements Stage, Flushable {
  readonly stages: ToxicStage[] = [];
  private head: Stage = this;
  /** No toxics, gate open, connection open: read -> write. */
  fast = false;
  bytesIn = 0;
  bytesOut = 0;
  private gateQueue: Buffer[] = [];
  queued = 0;
  private endQueued = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private paused = false;
  corked = false;

  constructor(
    private readonly conn: Conn,
    readonly direction: Direction,
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
  ) {}

  private get gateOpen(): boolean {
    const p = this.conn.proxy;
    return !p.stalledDirs[this.direction] && !p.heldDirs[this.direction];
  }

  // ---- source side ----

  readonly onData = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    if (this.fast) {
      // Plain pipe. Reads in the same loop turn (libuv reads a ready socket up to 32 times)
      // leave in one writev when the turn ends; pause the source only when the destination
      // has a lot unsent (pausing at the 16 KiB socket default halves throughput).
      this.bytesOut += chunk.length;
      if (!this.corked) corkForTurn(this);
      this.dst.write(chunk);
      if (!this.paused && this.dst.writableLength > FAST_HIGH_WATER) {
        this.paused = true;
        this.src.pause();
      }
      return;
    }
    if (this.conn.state !== 'open') return; // closing: discard
    if (!this.gateOpen) {
      this.gateQueue.push(chunk);
      this.queued += chunk.length;
      if (this.queued > this.conn.proxy.maxQueueBytes) {
        this.conn.reset(`${this.direction} queue exceeded ${this.conn.proxy.maxQueueBytes} bytes while the link was stalled or held`);
      }
      return;
    }
    batch(() => this.head.push(chunk));
    this.maybePause();
  };

  cork(): void {
    this.corked = true;
    this.dst.cork();
  }

  uncork(): void {
    this.corked = false;
    this.dst.uncork();
  }

  readonly onSrcEnd = (): void => {
    if (this.conn.state !== 'open') return;
    if (!this.gateOpen) {
      this.endQueued = true;
      return;
    }
    batch(() => this.head.end());
  };

  readonly onDrain = (): void => {
    this.maybeResume();
  };

  /** Bytes past the gate not yet handed to the kernel. */
  pressure(): number {
    let n = this.dst.writableLength + this.pendingBytes;
    for (const s of this.stages) n += s.toxic.buffered();
    return n;
  }

  private maybePause(): void {
    if (!this.paused && this.pressure() > this.conn.proxy.highWaterBytes) {
      this.paused = true;
      this.src.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.pressure() <= this.conn.proxy.highWaterBytes / 2) {
      this.paused = false;
      if (this.conn.state === 'open') this.src.resume();
    }
  }

  // ---- destination side (the last stage) ----

  push(chunk: Buffer): void {
    if (this.conn.state !== 'open') return;
    if (inBatch()) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      markDirty(this);
    } else {
      this.write(chunk);
    }
  }

  end(): void {
    if (this.conn.state !== 'open') return;
    this.flush();
    this.dst.end();
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    const q = this.pending;
    const n = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.conn.state !== 'open') return;
    this.write(q.length === 1 ? q[0]! : Buffer.concat(q, n));
  }

  private write(buf: Buffer): void {
    if (this.dst.destroyed) return;
    this.bytesOut += buf.length;
    this.dst.write(buf);
    if (this.paused) this.maybeResume();
  }

  // ---- chain and gate changes ----

  context(name: string): ToxicContext {
    const conn = this.conn;
    return {
      proxy: conn.proxy.name,
      conn: conn.id,
      direction: this.direction,
      toxic: name,
      now: schedNow,
      rand: seededStream(conn.proxy.seed, conn.proxy.name, conn.id, this.direction, name),
      at: schedAt,
      cancel: schedCancel,
      flush: () => this.flush(),
      close: (reason) => conn.close(reason),
      reset: (reason) => conn.reset(reason),
    };
  }

  addStage(entry: Entry): void {
    const stage = new ToxicStage(entry, this.context(entry.info.name), this);
    const last = this.stages[this.stages.length - 1];
    if (last) last.next = stage;
    else this.head = stage;
    this.stages.push(stage);
    this.update();
  }

  removeStage(name: string): void {
    const i = this.stages.findIndex((s) => s.entry.info.name === name);
    if (i < 0) return;
    const stage = this.stages[i]!;
    // Hand on what it holds (to the stage after it), then unlink it.
    batch(() => stage.toxic.flush());
    this.stages.splice(i, 1);
    const prev = this.stages[i - 1];
    if (prev) prev.next = stage.next;
    else this.head = stage.next;
    this.update();
    this.maybeResume();
  }

  /** After a chain, gate or state change: recompute the fast path; deliver what the gate held. */
  update(): void {
    const open = this.gateOpen && this.conn.state === 'open';
    this.fast = open && this.stages.length === 0;
    if (!open || (this.gateQueue.length === 0 && !this.endQueued)) return;
    const q = this.gateQueue;
    this.gateQueue = [];
    this.queued = 0;
    batch(() => {
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
    this.pending = [];
    this.pendingBytes = 0;
    if (this.paused) {
      this.paused = false;
      this.src.resume(); // read and discard until the peer's FIN
    }
  }
}

type ConnState = 'dialing' | 'open' | 'closing' | 'closed';

class Conn {
  state: ConnState = 'dialing';
  readonly target: net.Socket;
  up: Pipe | undefined;
  down: Pipe | undefined;
  reason: string | undefined;
  readonly remote: string;
  private socketsClosed = 0;
  private grace: NodeJS.Timeout | undefined;
  private readonly errors = new Map<net.Socket, NodeJS.ErrnoException>();
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(readonly proxy: LinkProxy, readonly id: number, readonly client: net.Socket) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.remote = `${client.remoteAddress}:${client.remotePort}`;
    client.setNoDelay(true);
    const { host, port } = proxy.target;
    this.target = net.connect({ host, port, noDelay: true, allowHalfOpen: true });
    for (const s of [client, this.target]) {
      s.on('error', (err: NodeJS.ErrnoException) => this.errors.set(s, err));
      s.once('close', (hadError) => this.onSocketClose(s, hadError));
    }
    this.target.once('connect', () => this.onTargetConnect());
  }

  pipe(d: Direction): Pipe | undefined {
    return d === 'upstream' ? this.up : this.down;
  }

  private onTargetConnect(): void {
    if (this.state !== 'dialing') return;
    this.state = 'open';
    this.target.setNoDelay(true);
    const up = (this.up = new Pipe(this, 'upstream', this.client, this.target));
    const down = (this.down = new Pipe(this, 'downstream', this.target, this.client));
    for (const e of this.proxy.entryList()) this.attach(e);
    up.update();
    down.update();
    this.client.on('data', up.onData);
    this.client.on('end', up.onSrcEnd);
    this.target.on('drain', up.onDrain);
    this.target.on('data', down.onData);
    this.target.on('end', down.onSrcEnd);
    this.client.on('drain', down.onDrain);
    this.client.resume(); // the listener pauses accepted sockets until the target answers
  }

  /** Does a toxic apply to this connection? One seeded draw per connection and toxic. */
  applies(e: Entry): boolean {
    const p = e.info.toxicity;
    if (p >= 1) return true;
    if (p <= 0) return false;
    return seededStream(this.proxy.seed, this.proxy.name, this.id, e.info.name, 'toxicity')() < p;
  }

  attach(e: Entry): void {
    if (this.state !== 'open' || !this.applies(e)) return;
    for (const d of directionsOf(e.info.direction)) this.pipe(d)!.addStage(e);
  }

  detach(name: string): void {
    if (this.state !== 'open') return;
    this.up!.removeStage(name);
    this.down!.removeStage(name);
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
    this.proxy.connClosed(this);
    this.resolveClosed();
  }
}

export class LinkProxy {
  readonly name: string;
  readonly target: { host: string; port: number };
  readonly seed: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  onEvent: ((event: ProxyEvent) => void) | undefined;
  /** @internal read by the pipes */
  readonly stalledDirs: Record<Direction, boolean> = { upstream: false, downstream: false };
  /** @internal */
  readonly heldDirs: Record<Direction, boolean> = { upstream: false, downstream: false };
  private readonly server: net.Server;
  private readonly conns = new Map<number, Conn>();
  private readonly refusedSockets = new Set<net.Socket>();
  private readonly entries: Entry[] = [];
  private nextId = 1;
  private refusing: DownHow | undefined;
  private listeningPort = 0;
  private stopped: Promise<void> | undefined;
  private readonly totals = { connections: 0, refused: 0, upIn: 0, upOut: 0, downIn: 0, downOut: 0 };

  constructor(private readonly options: LinkProxyOptions) {
    const { host, port } = options.target ?? {};
    if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`proxy ${options.name}: target must be { host, port } with a port from 1 to 65535, got ${JSON.stringify(options.target)}`);
    }
    this.name = options.name;
    this.target = { ...options.target };
    this.seed = options.seed ?? 0;
    this.maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE;
    this.highWaterBytes = options.highWaterBytes ?? DEFAULT_HIGH_WATER;
    this.onEvent = options.onEvent;
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) => this.accept(s));
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Listen; resolves with the port. */
  async start(): Promise<number> {
    const host = this.options.listenHost ?? '127.0.0.1';
    const port = this.options.listenPort ?? 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`proxy ${this.name} cannot listen on ${host}:${port}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.listeningPort = (this.server.address() as net.AddressInfo).port;
    return this.listeningPort;
  }

  private emit(e: Record<string, unknown> & { type: ProxyEvent['type'] }): void {
    this.onEvent?.({ ...e, proxy: this.name, t: nowMs() } as ProxyEvent);
  }

  private accept(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    if (this.refusing) {
      this.refuse(socket, this.refusing);
      return;
    }
    const conn = new Conn(this, this.nextId++, socket);
    this.conns.set(conn.id, conn);
    this.totals.connections++;
    this.emit({ type: 'proxy-conn-opened', conn: conn.id, remote: conn.remote });
  }

  private refuse(socket: net.Socket, how: DownHow): void {
    this.totals.refused++;
    this.emit({ type: 'proxy-conn-refused', remote: `${socket.remoteAddress}:${socket.remotePort}`, how });
    socket.on('error', () => {});
    if (how === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    this.refusedSockets.add(socket);
    socket.once('close', () => this.refusedSockets.delete(socket));
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** @internal */
  connClosed(conn: Conn): void {
    this.conns.delete(conn.id);
    const t = this.totals;
    t.upIn += conn.up?.bytesIn ?? 0;
    t.upOut += conn.up?.bytesOut ?? 0;
    t.downIn += conn.down?.bytesIn ?? 0;
    t.downOut += conn.down?.bytesOut ?? 0;
    this.emit({
      type: 'proxy-conn-closed', conn: conn.id, reason: conn.reason ?? 'closed',
      bytesUp: conn.up?.bytesOut ?? 0, bytesDown: conn.down?.bytesOut ?? 0,
    });
  }

  /** @internal */
  entryList(): readonly Entry[] {
    return this.entries;
  }

  // ---- toxics ----

  /** Validate and add a toxic to current and future connections; returns its name. */
  addToxic(spec: ToxicSpec): string {
    const info = parseToxicSpec(spec);
    if (this.entries.some((e) => e.info.name === info.name)) {
      throw new ToxicSpecError(`proxy ${this.name} already has a toxic named "${info.name}" (give it a name)`, [
        { path: ['name'], message: 'duplicate toxic name' },
      ]);
    }
    const entry: Entry = { info, def: registry.get(info.type)! };
    this.entries.push(entry);
    for (const c of this.conns.values()) c.attach(entry);
    this.emit({ type: 'toxic-added', toxic: info.name, toxicType: info.type, direction: info.direction, toxicity: info.toxicity });
    return info.name;
  }

  /** Remove a toxic; what it holds on live connections is passed on at once, in order. */
  removeToxic(name: string): void {
    const i = this.entries.findIndex((e) => e.info.name === name);
    if (i < 0) throw new Error(`proxy ${this.name} has no toxic named "${name}" (has: ${this.entries.map((e) => e.info.name).join(', ') || 'none'})`);
    this.entries.splice(i, 1);
    for (const c of this.conns.values()) c.detach(name);
    this.emit({ type: 'toxic-removed', toxic: name });
  }

  toxics(): ToxicInfo[] {
    return this.entries.map((e) => structuredClone(e.info));
  }

  // ---- link faults ----

  /**
   * 'both': cut every connection (peers see a FIN, or a RST with how = 'reset') and refuse new
   * ones the same way until up(). One direction: stall it; its bytes queue (up to
   * maxQueueBytes per connection, beyond that the connection is reset) and flow again on up().
   */
  down(direction: DirectionSpec = 'both', how: DownHow = 'close'): void {
    if (direction === 'both') {
      this.refusing = how;
      for (const c of [...this.conns.values()]) {
        if (how === 'reset') c.reset('link down (reset)');
        else c.close('link down');
      }
    } else {
      this.stalledDirs[direction] = true;
      this.updateGates();
    }
    this.emit({ type: 'link-down', direction, how });
  }

  /** 'both' (default): accept connections again and lift any stall; one direction: lift its stall. */
  up(direction: DirectionSpec = 'both'): void {
    if (direction === 'both') this.refusing = undefined;
    for (const d of directionsOf(direction)) this.stalledDirs[d] = false;
    this.updateGates();
    this.emit({ type: 'link-up', direction });
  }

  /** Queue the bytes of current and new connections in `direction` until release(). */
  hold(direction: DirectionSpec = 'both'): void {
    for (const d of directionsOf(direction)) this.heldDirs[d] = true;
    this.updateGates();
    this.emit({ type: 'link-hold', direction });
  }

  /** Deliver everything held, in order, exactly once; then flow normally. */
  release(direction: DirectionSpec = 'both'): void {
    for (const d of directionsOf(direction)) this.heldDirs[d] = false;
    this.updateGates();
    this.emit({ type: 'link-release', direction });
  }

  private updateGates(): void {
    for (const c of this.conns.values()) {
      c.up?.update();
      c.down?.update();
    }
  }

  stats(): ProxyStats {
    const t = this.totals;
    const up: DirectionStats = { in: t.upIn, out: t.upOut, queued: 0, buffered: 0 };
    const down: DirectionStats = { in: t.downIn, out: t.downOut, queued: 0, buffered: 0 };
    for (const c of this.conns.values()) {
      for (const [p, s] of [[c.up, up], [c.down, down]] as const) {
        if (!p) continue;
        s.in += p.bytesIn;
        s.out += p.bytesOut;
        s.queued += p.queued;
        s.buffered += p.pressure();
      }
    }
    return {
      name: this.name,
      port: this.listeningPort,
      target: { ...this.target },
      connections: { open: this.conns.size, total: t.connections, refused: t.refused },
      upstream: up,
      downstream: down,
      down: this.refusing,
      stalled: DIRECTIONS.filter((d) => this.stalledDirs[d]),
      held: DIRECTIONS.filter((d) => this.heldDirs[d]),
      toxics: this.toxics(),
    };
  }

  /** Stop listening, destroy every connection; resolves when every socket has closed. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    const listenerClosed = this.server.listening ? new Promise<void>((r) => this.server.close(() => r())) : Promise.resolve();
    const conns = [...this.conns.values()];
    for (const c of conns) c.destroy();
    const refused = [...this.refusedSockets].map((s) => new Promise<void>((r) => {
      s.once('close', () => r());
      s.destroy();
    }));
    this.stopped = Promise.all([listenerClosed, ...conns.map((c) => c.closed), ...refused]).then(() => undefined);
    return this.stopped;
  }
}
