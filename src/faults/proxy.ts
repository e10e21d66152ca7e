// A fault-injection proxy in front of any server (toxiproxy-like, protocol-agnostic: it never
// parses the bytes). Each connection dials the target (a PipePair); bytes flow through a
// per-direction chain of toxics (the ToxicCollection decides which), and the link can be taken
// down one way or both, cut (connections closed, new ones refused) or silent (bytes dropped,
// connections left open: only liveness can tell), or held and released (bytes queue).
// This file is the link-wide state; pipe.ts is one direction of one connection.
//
// Two ways in, the same faults: on real ports (`target`, start(): listen, accept, net.connect;
// socket-ends.ts), or in memory on a Clock (`dial`, connect(); memory-ends.ts), e.g. virtual
// time (every toxic and link fault runs the same; everything happens as the clock runs):
//
//   const clock = new VirtualClock();
//   const proxy = new LinkProxy({ name: 'a-b', clock, dial: () => {
//     const [toServer, atServer] = memoryPair(clock);  // memory-stream.ts
//     server.accept(atServer);                          // your server reads and writes its end
//     return toServer;                                  // the proxy's end toward the target
//   } });
//   const conn = proxy.connect('a');                    // the dialler's end: a MemoryStream
//   conn.on('data', (b) => {}); conn.write(Buffer.from('hi'));
//   proxy.addToxic(parseToxicSpec({ type: 'latency', ms: 50 })); proxy.down('both', 'close', 'silent'); proxy.up();
//   proxy.hold('upstream'); proxy.release(); const faults = proxy.snapshot(); proxy.restore(faults);
//   await clock.runUntil(1000);                         // or clock.runWhile(promise)
import type net from 'node:net';
import { type Clock, realClock } from '../util/clock.ts';
import type { ByteStream } from './byte-stream.ts';
import type { ProxyEvent } from './events.ts';
import { type DownHow, type DownMode, type LinkFaultState, restoreFaults } from './fault-state.ts';
import { acceptMemory, memoryEnds } from './memory-ends.ts';
import type { MemoryStream } from './memory-stream.ts';
import { CLOSE_GRACE_MS, type PairEnds, type PairOwner, PipePair } from './pipe-pair.ts';
import type { Gate } from './pipe.ts';
import { type ProxyStats, ProxyTotals } from './proxy-stats.ts';
import { updatedToxic } from './registry.ts';
import { type Scheduler, schedulerFor } from './scheduler.ts';
import { listenOn, proxyServer, socketEnds } from './socket-ends.ts';
import { ToxicCollection } from './toxic-collection.ts';
import { DIRECTIONS, type Direction, type DirectionSpec, type ToxicInfo, directionsOf } from './toxic.ts';

export type { DownHow, DownMode, LinkFaultState } from './fault-state.ts';
export type { DirectionStats, ProxyStats } from './proxy-stats.ts';

export interface LinkProxyOptions {
  /** Names the proxy in events, errors and seeds. */
  name: string;
  /** On real ports: where each accepted connection is dialled (give this or `dial`). */
  target?: { host: string; port: number };
  /** In memory: dials the target for each connect() (give this or `target`). Throwing refuses the connection. */
  dial?: () => ByteStream;
  /** Time for toxics, timeouts and event stamps. Default: the real clock (and the thread's precise scheduler). */
  clock?: Clock;
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

const DEFAULT_MAX_QUEUE = 64 * 1024 * 1024;
const DEFAULT_HIGH_WATER = 4 * 1024 * 1024;

/** ProxyStats.target of an in-memory proxy (it has no address). */
const MEMORY_TARGET = { host: 'memory', port: 0 };

export class LinkProxy implements PairOwner {
  readonly name: string;
  readonly target: { host: string; port: number };
  readonly targetLabel: string;
  readonly seed: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  onEvent: ((event: ProxyEvent) => void) | undefined;
  /** How each direction is down, if it is. */
  private readonly downDirs: Record<Direction, { mode: DownMode; how: DownHow } | undefined> = { upstream: undefined, downstream: undefined };
  private readonly heldDirs: Record<Direction, boolean> = { upstream: false, downstream: false };
  /** Real ports only. */
  private readonly server: net.Server | undefined;
  private readonly conns = new Map<number, PipePair>();
  private readonly refusedSockets = new Set<ByteStream>();
  private readonly toxicCollection: ToxicCollection;
  private nextId = 1;
  private listeningPort = 0;
  private stopped: Promise<void> | undefined;
  private readonly totals = new ProxyTotals();

  constructor(private readonly options: LinkProxyOptions) {
    if ((options.target === undefined) === (options.dial === undefined)) {
      throw new Error(`proxy ${options.name}: give either target (real ports) or dial (in memory), not ${options.dial ? 'both' : 'neither'}`);
    }
    if (options.target !== undefined) {
      const { host, port } = options.target;
      if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`proxy ${options.name}: target must be { host, port } with a port from 1 to 65535, got ${JSON.stringify(options.target)}`);
      }
    }
    this.name = options.name;
    this.target = { ...(options.target ?? MEMORY_TARGET) };
    this.targetLabel = options.target ? `${this.target.host}:${this.target.port}` : `of proxy ${this.name} (in memory)`;
    this.seed = options.seed ?? 0;
    this.maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE;
    this.highWaterBytes = options.highWaterBytes ?? DEFAULT_HIGH_WATER;
    this.clock = options.clock ?? realClock;
    this.scheduler = schedulerFor(this.clock);
    this.onEvent = options.onEvent;
    this.toxicCollection = new ToxicCollection(this.name, this.seed);
    if (options.target) this.server = proxyServer((s) => this.accept(s));
  }

  get port(): number {
    return this.listeningPort;
  }

  /** How new connections are refused while a direction is cut; undefined: they are accepted. */
  private get refusing(): DownHow | undefined {
    const cut = DIRECTIONS.find((d) => this.downDirs[d]?.mode === 'cut');
    return cut && this.downDirs[cut]!.how;
  }

  /** Listen; resolves with the port. In memory there is nothing to listen on: resolves 0. */
  async start(): Promise<number> {
    if (!this.server) return 0;
    this.listeningPort = await listenOn(this.server, this.options.listenHost ?? '127.0.0.1', this.options.listenPort ?? 0, this.name);
    return this.listeningPort;
  }

  private emit(e: Record<string, unknown> & { type: ProxyEvent['type'] }): void {
    this.onEvent?.({ ...e, proxy: this.name, t: this.clock.now() } as ProxyEvent);
  }

  private accept(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    if (this.refusing) {
      this.refuse(socket, `${socket.remoteAddress}:${socket.remotePort}`, this.refusing);
      return;
    }
    this.open(socketEnds(socket, this.target));
  }

  /**
   * In memory: a new connection through the proxy, as accept() on real ports (refused while
   * cut, its faults and toxics from the start). Returns the dialler's end; `remote` names the
   * dialler in events. The target is dialled with `dial` on this call.
   */
  connect(remote = 'memory'): MemoryStream {
    const dial = this.options.dial;
    if (!dial) throw new Error(`proxy ${this.name}: connect() is for in-memory proxies (made with dial); this one listens on port ${this.listeningPort}`);
    const { dialler, near } = acceptMemory(this.clock, this.name, remote);
    if (this.stopped) near.destroy();
    else if (this.refusing) this.refuse(near, remote, this.refusing);
    else this.open(memoryEnds(this.clock, this.name, near, remote, dial));
    return dialler;
  }

  private open(ends: PairEnds): void {
    const conn = new PipePair(this, this.toxicCollection, this.nextId++, ends);
    this.conns.set(conn.id, conn);
    this.totals.connections++;
    this.emit({ type: 'proxy-conn-opened', conn: conn.id, remote: conn.remote });
  }

  private refuse(socket: ByteStream, remote: string, how: DownHow): void {
    this.totals.refused++;
    this.emit({ type: 'proxy-conn-refused', remote, how });
    socket.on('error', () => {});
    if (how === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    this.refusedSockets.add(socket);
    const grace = this.clock.at(this.clock.now() + CLOSE_GRACE_MS, () => socket.destroy());
    socket.once('close', () => {
      this.refusedSockets.delete(socket);
      this.clock.cancel(grace);
    });
    socket.end();
    socket.resume();
  }

  /** @internal */
  gate(direction: Direction): Gate {
    if (this.downDirs[direction]?.mode === 'silent') return 'drop';
    return this.heldDirs[direction] ? 'hold' : 'open';
  }

  /** @internal */
  pairClosed(conn: PipePair): void {
    this.conns.delete(conn.id);
    this.totals.addClosed(conn);
    this.emit({
      type: 'proxy-conn-closed', conn: conn.id, reason: conn.reason ?? 'closed',
      bytesUp: conn.up?.bytesOut ?? 0, bytesDown: conn.down?.bytesOut ?? 0,
    });
  }

  // ---- toxics ----

  /** Add a toxic (a ToxicInfo: parseToxicSpec a flat spec first) to current and future connections; returns its name. */
  addToxic(toxic: ToxicInfo): string {
    const info = this.toxicCollection.add(toxic);
    this.emit({ type: 'toxic-added', toxic: info.name, toxicType: info.type, direction: info.direction, toxicity: info.toxicity });
    return info.name;
  }

  /** Remove a toxic; what it holds on live connections is passed on at once, in order. */
  removeToxic(name: string): void {
    this.toxicCollection.remove(name);
    this.emit({ type: 'toxic-removed', toxic: name });
  }

  /**
   * Change some of a toxic's attributes (new input: validated here, the others kept). On live
   * connections what the old settings hold is passed on at once, in order, and later bytes get
   * the new ones. Returns the toxic as it is now.
   */
  updateToxic(name: string, attributes: Record<string, unknown>): ToxicInfo {
    return this.replaceToxic(updatedToxic(this.toxicCollection.get(name), attributes, `proxy ${this.name}`));
  }

  /** Put `toxic` (validated) in place of the toxic of its name, as updateToxic does; its type, direction and toxicity stay. */
  replaceToxic(toxic: ToxicInfo): ToxicInfo {
    const info = this.toxicCollection.replace(toxic);
    this.emit({ type: 'toxic-updated', toxic: info.name, attributes: structuredClone(info.attributes) });
    return structuredClone(info);
  }

  toxics(): ToxicInfo[] {
    return this.toxicCollection.list();
  }

  // ---- link faults ----

  /**
   * Take `direction` (one way or both) down until up(). 'cut' (default): every connection is
   * cut (peers see a FIN, or a RST with how = 'reset'), one way as both, and new ones are
   * refused the same way. 'silent': connections stay open and the direction's bytes are
   * dropped (counted in stats), of new connections too; a connection that lost bytes is reset
   * when the direction comes back up. To stall a direction and deliver its bytes later, hold().
   */
  down(direction: DirectionSpec = 'both', how: DownHow = 'close', mode: DownMode = 'cut'): void {
    for (const d of directionsOf(direction)) this.downDirs[d] = { mode, how };
    if (mode === 'cut') {
      for (const c of [...this.conns.values()]) {
        if (how === 'reset') c.reset('link down (reset)');
        else c.close('link down');
      }
    }
    this.updateGates();
    this.emit({ type: 'link-down', direction, how, mode });
  }

  /** Bring `direction` back up (default both); with `mode`, only where it is down that way. */
  up(direction: DirectionSpec = 'both', mode?: DownMode): void {
    for (const d of directionsOf(direction)) {
      if (mode === undefined || this.downDirs[d]?.mode === mode) this.downDirs[d] = undefined;
    }
    this.updateGates();
    this.emit(mode === undefined ? { type: 'link-up', direction } : { type: 'link-up', direction, mode });
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
    for (const c of this.conns.values()) c.updateGates();
  }

  /** The link's fault state as data: toxics (in chain order), what is down and how, what is held. */
  snapshot(): LinkFaultState {
    const down: LinkFaultState['down'] = {};
    for (const d of DIRECTIONS) {
      const s = this.downDirs[d];
      if (s) down[d] = { how: s.how, mode: s.mode };
    }
    return { toxics: this.toxics(), down, held: DIRECTIONS.filter((d) => this.heldDirs[d]) };
  }

  /** Make the link's faults `state`'s (a snapshot()), with the calls (and events) that takes. */
  restore(state: LinkFaultState): void {
    restoreFaults(this, state);
  }

  stats(): ProxyStats {
    const t = this.totals;
    return {
      name: this.name,
      port: this.listeningPort,
      target: { ...this.target },
      connections: { open: this.conns.size, total: t.connections, refused: t.refused },
      ...t.directions(this.conns.values()),
      down: this.refusing,
      cut: DIRECTIONS.filter((d) => this.downDirs[d]?.mode === 'cut'),
      silent: DIRECTIONS.filter((d) => this.downDirs[d]?.mode === 'silent'),
      held: DIRECTIONS.filter((d) => this.heldDirs[d]),
      toxics: this.toxics(),
    };
  }

  /** Stop listening, destroy every connection; resolves when every socket has closed. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    const server = this.server;
    const listenerClosed = server?.listening ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
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
