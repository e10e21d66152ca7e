// The coordinator: every CRC server in a worker thread on a real localhost port, clients in a
// worker of their own, and a live model of what every node knows, built from the workers'
// event streams. converged() and forgotten() are answered from that model, so they resolve
// as soon as the last event arrives, and report when it happened (the worker's timestamp).
import type { ClientState } from '../net/client-node.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ClientSpec, ServerSpec, Topology } from '../topology/schema.ts';
import type { ProxyEvent } from '../faults/events.ts';
import type { DirectionSpec, ToxicInfo, ToxicSpec } from '../faults/toxic.ts';
import type { DownHow, ProxyStats } from '../faults/proxy.ts';
import type { ProxyHostApi } from '../../workers/proxy-host.ts';
import type { SimEvent } from './protocol.ts';
import { nowMs } from '../util/clock.ts';
import { WorkerCrash, WorkerHandle } from './worker-handle.ts';

export interface SimulationOptions {
  topology: Topology;
  /** Servers hosted by each worker thread (default 1). */
  serversPerWorker?: number;
  /** Clients per client worker (default: all in one). */
  clientsPerWorker?: number;
  callTimeoutMs?: number;
  /** How long a server keeps retrying its bootstrap (ms). */
  joinDeadlineMs?: number;
  /** Servers re-dial a lost bootstrap link. */
  reconnect?: boolean;
  /** Every event from every worker, in arrival order. */
  onEvent?: (e: SimEvent) => void;
  /** A worker died unasked; the message names its servers. */
  onCrash?: (message: string) => void;
  /** Start-up progress. */
  onProgress?: (phase: string, done: number, total: number) => void;
  /**
   * Route server links through fault-injecting proxies (in a network worker of their own):
   * 'all' or a list of [serverA, serverB] links. Default none: every link is a direct socket.
   * Proxied servers re-dial a lost bootstrap link, so a link that comes back heals.
   */
  proxyLinks?: 'all' | Array<[number, number]>;
  /**
   * Route these clients' links to their servers through proxies too ('all' or client ids),
   * so `sim.link(clientId, serverId)` can inject faults on them. Default none.
   */
  proxyClients?: 'all' | number[];
  /** Seeds every proxy's toxics (jitter samples, toxicity draws). Default 1. */
  seed?: number;
  /** Every event from the link proxies. */
  onProxyEvent?: (e: ProxyEvent) => void;
}

/**
 * A link: `child` dialled `parent` (a server its bootstrap, or a client its server).
 * Upstream = child to parent.
 */
export interface LinkInfo {
  kind: 'server' | 'client';
  child: number;
  parent: number;
  /** the proxy's name when the link is proxied */
  proxy?: string;
}

/** Controls for one link, as `sim.link(a, b)` returns them. Directions: upstream = child to parent. */
export interface LinkControl {
  readonly info: LinkInfo;
  add(toxic: ToxicSpec): Promise<string>;
  remove(name: string): Promise<void>;
  toxics(): Promise<ToxicInfo[]>;
  down(direction?: DirectionSpec, how?: DownHow): Promise<void>;
  up(direction?: DirectionSpec): Promise<void>;
  hold(direction?: DirectionSpec): Promise<void>;
  release(direction?: DirectionSpec): Promise<void>;
  stats(): Promise<ProxyStats>;
}

export interface ConvergenceOptions {
  timeoutMs?: number;
}

export interface Convergence {
  /** Time of the last event that completed convergence (worker clock, ms since epoch). */
  at: number;
}

export class ConvergenceTimeout extends Error {
  override readonly name = 'ConvergenceTimeout';
  constructor(message: string, readonly diff: string[]) {
    super(message);
  }
}

interface Placed {
  key: string;
  handle: WorkerHandle;
}

type Waiter = { check: () => boolean; fail: (err: Error) => void };

export class Simulation {
  readonly topology: Topology;
  readonly workers: WorkerHandle[] = [];
  /** Start-up timings in ms: spawn+listen, join, clients, total. */
  readonly timings = { listenMs: 0, joinMs: 0, clientsMs: 0, startMs: 0 };
  readonly crashes: string[] = [];
  private readonly placement = new Map<number, Placed>();
  private readonly ports = new Map<number, number>();
  /** For a child on a proxied link: the proxy port it dials instead of its parent's. */
  private readonly proxyPorts = new Map<number, number>();
  private readonly clientProxyPorts = new Map<number, number>();
  private readonly liveServers = new Set<number>();
  private readonly liveClients = new Set<number>();
  /** What each node knows, from host-learned / host-forgotten events. */
  private readonly knows = new Map<number, Set<number>>();
  /** How many nodes know each id. */
  private readonly holders = new Map<number, number>();
  private readonly lastForgot = new Map<number, number>();
  private readonly lastLearned = new Map<number, number>();
  /** "node:id" -> when that node last forgot that id */
  private readonly forgotAt = new Map<string, number>();
  private lastEventAt = 0;
  private waiters = new Set<Waiter>();
  private proxyHost: WorkerHandle<ProxyHostApi, ProxyEvent> | undefined;
  private readonly links = new Map<string, LinkInfo>();
  private partitioned: LinkInfo[] = [];
  private readonly crashed = new Set<number>();
  private readonly clientServer = new Map<number, number>();
  private checkScheduled = false;
  private stopped = false;

  private constructor(private readonly options: SimulationOptions) {
    this.topology = options.topology;
  }

  /** Start every server (listening, then all joins at once), then every client. */
  static async start(options: SimulationOptions): Promise<Simulation> {
    const sim = new Simulation(options);
    try {
      await sim.boot();
    } catch (err) {
      await sim.stop();
      throw err;
    }
    return sim;
  }

  private async boot(): Promise<void> {
    const t0 = performance.now();
    const { servers, clients } = this.topology;
    const k = Math.max(1, this.options.serversPerWorker ?? 1);
    for (let i = 0; i < servers.length; i += k) {
      const handle = this.spawn(`servers-${i / k + 1}`);
      for (const s of servers.slice(i, i + k)) {
        handle.hosts.push(s.name);
        this.placement.set(s.id, { key: s.name, handle });
      }
    }
    let done = 0;
    await Promise.all(servers.map(async (s) => {
      const port = await this.call(s.id, `start server ${s.name}`, (api, key) =>
        api.startServer(key, { id: s.id, name: s.name, info: s.info, reconnect: this.reconnects }));
      this.ports.set(s.id, port);
      this.knows.set(s.id, new Set());
      this.liveServers.add(s.id);
      this.options.onProgress?.('listen', ++done, servers.length);
    }));
    this.timings.listenMs = performance.now() - t0;

    // Links that go through fault proxies get one, in front of the parent's port.
    for (const s of servers) {
      if (s.join === undefined) continue;
      const link: LinkInfo = { kind: 'server', child: s.id, parent: s.join };
      if (this.isProxied(s.id, s.join)) {
        this.proxyHost ??= this.spawnProxyHost();
        link.proxy = `link-${s.id}-${s.join}`;
        const port = await this.proxyHost.call(`proxy for ${s.name}`, (api) => api.addProxy(link.proxy!, { host: '127.0.0.1', port: this.ports.get(s.join!)! }, this.options.seed ?? 1));
        this.proxyPorts.set(s.id, port);
      }
      this.links.set(linkKey(s.id, s.join), link);
    }

    // Every server is listening, so all joins can go at once: the tree converges the same
    // whatever order the registrations cross it in.
    const t1 = performance.now();
    done = 0;
    await Promise.all(servers.filter((s) => s.join !== undefined).map(async (s) => {
      await this.joinServer(s);
      this.options.onProgress?.('join', ++done, servers.length - 1);
    }));
    this.timings.joinMs = performance.now() - t1;

    const t2 = performance.now();
    done = 0;
    await Promise.all(clients.map(async (c) => {
      await this.addClient(c);
      this.options.onProgress?.('clients', ++done, clients.length);
    }));
    this.timings.clientsMs = performance.now() - t2;
    this.timings.startMs = performance.now() - t0;
  }

  // ---- placement and calls -------------------------------------------------------------

  private spawn(label: string): WorkerHandle {
    const handle = new WorkerHandle({
      label,
      callTimeoutMs: this.options.callTimeoutMs,
      onEvents: (events) => this.onEvents(events),
      onCrash: (h, err) => this.onCrash(h, err),
    });
    this.workers.push(handle);
    return handle;
  }

  private call<T>(id: number, what: string, fn: (api: WorkerHandle['api'], key: string) => Promise<T>, timeoutMs?: number): Promise<T> {
    const p = this.placement.get(id);
    if (!p) return Promise.reject(new Error(`${what}: no server or client with id ${id} in this simulation`));
    return p.handle.call(what, (api) => fn(api, p.key), timeoutMs);
  }

  /**
   * Clients live in worker threads of their own, not on the coordinator: their sockets' work
   * then never delays the coordinator's event handling and timers (which timestamp nothing
   * themselves: events are stamped where they happen), and never shares a thread with the
   * servers being measured.
   */
  private clientWorker(): WorkerHandle {
    const per = this.options.clientsPerWorker ?? Number.POSITIVE_INFINITY;
    const last = this.workers.findLast((w) => w.label.startsWith('clients-'));
    if (last && last.alive && last.hosts.length < per) return last;
    return this.spawn(`clients-${this.workers.filter((w) => w.label.startsWith('clients-')).length + 1}`);
  }

  /** Join `s` to its bootstrap; resolves with the time its registration left (worker clock). */
  private async joinServer(s: ServerSpec): Promise<number> {
    const parentPort = this.proxyPorts.get(s.id) ?? this.ports.get(s.join!);
    if (parentPort === undefined) throw new Error(`server ${s.name} joins ${s.join}, which is not running`);
    return this.call(s.id, `join ${s.name} to server ${s.join}`, (api, key) =>
      api.joinServer(key, { host: '127.0.0.1', port: parentPort }, this.options.joinDeadlineMs));
  }

  // ---- the network model -----------------------------------------------------------------

  private onEvents(events: SimEvent[]): void {
    for (const e of events) {
      if (e.t > this.lastEventAt) this.lastEventAt = e.t;
      if (e.type === 'host-learned') {
        const set = this.knows.get(e.node);
        if (set && !set.has(e.id)) {
          set.add(e.id);
          this.holders.set(e.id, (this.holders.get(e.id) ?? 0) + 1);
          if (e.t > (this.lastLearned.get(e.id) ?? 0)) this.lastLearned.set(e.id, e.t);
        }
      } else if (e.type === 'host-forgotten') {
        const set = this.knows.get(e.node);
        if (set?.delete(e.id)) {
          this.holders.set(e.id, this.holders.get(e.id)! - 1);
          if (e.t > (this.lastForgot.get(e.id) ?? 0)) this.lastForgot.set(e.id, e.t);
          this.forgotAt.set(`${e.node}:${e.id}`, e.t);
        }
      }
      this.options.onEvent?.(e);
    }
    this.scheduleCheck();
  }

  private onCrash(handle: WorkerHandle, err: WorkerCrash): void {
    if (this.stopped) return;
    this.crashes.push(err.message);
    this.options.onCrash?.(err.message);
    for (const w of this.waiters) w.fail(err);
    this.waiters.clear();
  }

  /** Evaluate waiters at most once per turn of the event loop, after a batch of events. */
  private scheduleCheck(): void {
    if (this.checkScheduled || this.waiters.size === 0) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      for (const w of this.waiters) if (w.check()) this.waiters.delete(w);
    });
  }

  /** Side of a node while partitioned (clients take their server's side). */
  private sideOf(node: number): number | undefined {
    if (!this.sides) return undefined;
    return this.sides.get(this.liveServers.has(node) ? node : (this.clientServer.get(node) ?? -2));
  }

  /** The hosts `node` should know: every live host (on its side, while partitioned). */
  private expectedOf(node: number): number[] {
    const side = this.sideOf(node);
    const same = (id: number) => side === undefined || this.sideOf(id) === side;
    const clients = [...this.liveClients].filter((id) => id !== node && same(id));
    if (!this.liveServers.has(node)) return clients;
    return [...[...this.liveServers].filter((id) => id !== node && same(id)), ...clients];
  }

  private expectedCount(node: number): number {
    return this.expectedOf(node).length;
  }

  /** Per-node differences between what nodes know and what should exist. */
  diff(limit = 20): string[] {
    const out: string[] = [];
    const all = [...this.liveServers, ...this.liveClients];
    for (const node of all) {
      const knows = this.knows.get(node) ?? new Set<number>();
      const expected = this.expectedOf(node);
      const missing = expected.filter((id) => !knows.has(id));
      const expectedSet = new Set(expected);
      const extra = [...knows].filter((id) => !expectedSet.has(id));
      if (missing.length || extra.length) {
        const name = this.nameOf(node);
        const show = (xs: number[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? `, … (${xs.length})` : '');
        out.push(`${name} (${node}):${missing.length ? ` missing [${show(missing)}]` : ''}${extra.length ? ` extra [${show(extra)}]` : ''}`);
        if (out.length >= limit) {
          out.push('…');
          break;
        }
      }
    }
    return out;
  }

  /** True when every live node knows exactly the hosts it should. */
  isConverged(): boolean {
    // Counts first (cheap); the exact check only when every count is right.
    for (const node of this.liveServers) if (this.knows.get(node)!.size !== this.expectedCount(node)) return false;
    for (const node of this.liveClients) if (this.knows.get(node)!.size !== this.expectedCount(node)) return false;
    return this.diff(1).length === 0;
  }

  /**
   * Resolves when every live server knows exactly the hosts that should exist and every
   * client knows every other live client. Rejects on timeout with a per-host diff.
   */
  converged({ timeoutMs = 30_000 }: ConvergenceOptions = {}): Promise<Convergence> {
    return this.waitFor(() => (this.isConverged() ? { at: this.lastEventAt } : undefined), timeoutMs, () => {
      const diff = this.diff();
      return new ConvergenceTimeout(`not converged after ${timeoutMs} ms:\n  ${diff.join('\n  ')}`, diff);
    });
  }

  /**
   * Resolves when no server or client still knows `id`, with the time the last of them
   * forgot it (worker clock, ms since epoch).
   */
  forgotten(id: number, { timeoutMs = 30_000, by }: ConvergenceOptions & { by?: number[] } = {}): Promise<{ at: number }> {
    if (by !== undefined) return this.forgottenBy(id, by, timeoutMs);
    return this.waitFor(() => ((this.holders.get(id) ?? 0) === 0 ? { at: this.lastForgot.get(id) ?? 0 } : undefined), timeoutMs, () => {
      const still = [...this.knows].filter(([, set]) => set.has(id)).map(([node]) => `${this.nameOf(node)} (${node})`);
      return new ConvergenceTimeout(`${id} still known after ${timeoutMs} ms by ${still.join(', ')}`, still);
    });
  }

  /** Like forgotten(), but only asks the servers `by` and the clients attached to them. */
  private forgottenBy(id: number, by: number[], timeoutMs: number): Promise<{ at: number }> {
    const servers = new Set(by);
    const nodes = () => [...this.knows.keys()].filter((n) => servers.has(n) || servers.has(this.clientServer.get(n) ?? -1));
    return this.waitFor(() => {
      const asked = nodes();
      if (asked.some((n) => this.knows.get(n)!.has(id))) return undefined;
      return { at: Math.max(0, ...asked.map((n) => this.forgotAt.get(`${n}:${id}`) ?? 0)) };
    }, timeoutMs, () => {
      const still = nodes().filter((n) => this.knows.get(n)!.has(id)).map((n) => `${this.nameOf(n)} (${n})`);
      return new ConvergenceTimeout(`${id} still known after ${timeoutMs} ms by ${still.join(', ')}`, still);
    });
  }

  /**
   * Resolves when every live node that should know `id` knows it, with the time the last of
   * them learned it (worker clock, ms since epoch).
   */
  known(id: number, { timeoutMs = 30_000 }: ConvergenceOptions = {}): Promise<{ at: number }> {
    const should = () => [...this.liveServers, ...(this.liveServers.has(id) ? [] : this.liveClients)].filter((n) => n !== id);
    return this.waitFor(() => (should().every((n) => this.knows.get(n)?.has(id)) ? { at: this.lastLearned.get(id) ?? 0 } : undefined), timeoutMs, () => {
      const missing = should().filter((n) => !this.knows.get(n)?.has(id)).map((n) => `${this.nameOf(n)} (${n})`);
      return new ConvergenceTimeout(`${id} not yet known after ${timeoutMs} ms by ${missing.join(', ')}`, missing);
    });
  }

  private waitFor<T>(probe: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    if (this.crashes.length) return Promise.reject(new WorkerCrash(this.crashes[0]!));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(onTimeout());
      }, timeoutMs);
      const waiter: Waiter = {
        check: () => {
          const v = probe();
          if (v === undefined) return false;
          clearTimeout(timer);
          resolve(v);
          return true;
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }

  // ---- actions ---------------------------------------------------------------------------

  /** Attach a client (to a running server) and register it; resolves with when its registration left. */
  async addClient(c: ClientSpec): Promise<number> {
    const serverPort = this.ports.get(c.server);
    if (serverPort === undefined) throw new Error(`client ${c.name} attaches to server ${c.server}, which is not running`);
    if (this.liveClients.has(c.id) || this.liveServers.has(c.id)) throw new Error(`id ${c.id} is already in use`);
    // A client that quit and comes back keeps its worker.
    const previous = this.placement.get(c.id);
    const handle = previous?.handle.alive ? previous.handle : this.clientWorker();
    if (!previous) handle.hosts.push(c.name);
    this.placement.set(c.id, { key: c.name, handle });
    this.knows.set(c.id, new Set());
    this.liveClients.add(c.id);
    this.clientServer.set(c.id, c.server);
    this.lastLearned.delete(c.id);
    const port = this.isProxiedClient(c.id) ? await this.clientProxy(c, serverPort) : serverPort;
    return this.call(c.id, `start client ${c.name}`, (api, key) => api.startClient(key, { id: c.id, name: c.name, info: c.info, serverPort: port }));
  }

  private isProxiedClient(id: number): boolean {
    const p = this.options.proxyClients;
    return p === 'all' || (Array.isArray(p) && p.includes(id));
  }

  /** The proxy in front of a client's server (made once; a rejoining client reuses it). */
  private async clientProxy(c: ClientSpec, serverPort: number): Promise<number> {
    const key = linkKey(c.id, c.server);
    const known = this.links.get(key);
    if (known?.proxy && this.clientProxyPorts.has(c.id)) return this.clientProxyPorts.get(c.id)!;
    this.proxyHost ??= this.spawnProxyHost();
    const link: LinkInfo = { kind: 'client', child: c.id, parent: c.server, proxy: `client-${c.id}-${c.server}` };
    const port = await this.proxyHost.call(`proxy for client ${c.name}`, (api) => api.addProxy(link.proxy!, { host: '127.0.0.1', port: serverPort }, this.options.seed ?? 1));
    this.links.set(key, link);
    this.clientProxyPorts.set(c.id, port);
    return port;
  }

  /** Start a new server and join it to `s.join`; resolves with when its registration left. */
  async addServer(s: ServerSpec): Promise<number> {
    const handle = this.spawn(`servers-${this.workers.length + 1}`);
    handle.hosts.push(s.name);
    this.placement.set(s.id, { key: s.name, handle });
    const port = await this.call(s.id, `start server ${s.name}`, (api, key) => api.startServer(key, { id: s.id, name: s.name, info: s.info, reconnect: this.reconnects }));
    this.ports.set(s.id, port);
    this.knows.set(s.id, new Set());
    this.liveServers.add(s.id);
    return s.join === undefined ? nowMs() : this.joinServer(s);
  }

  async chat(from: number, to: number, text: string): Promise<void> {
    await this.call(from, `chat from ${from}`, (api, key) => api.chat(key, to, text));
  }

  /**
   * Chat traffic generated inside the client's worker: `rate` chats/s of `size` bytes for
   * `durationMs`. Deliveries show up as chat-delivered events at the receiver; the text
   * starts with "<tag><seq> <send time ms>".
   */
  async traffic(from: number, to: number, rate: number, size: number, durationMs: number, tag = 't'): Promise<{ sent: number }> {
    return this.call(from, `traffic from ${from}`, (api, key) => api.traffic(key, to, rate, size, durationMs, tag), durationMs + 10_000);
  }

  /** The client sends a quit and closes. Resolves with the time the quit left it (its thread's clock). */
  async quit(clientId: number, text = ''): Promise<number> {
    this.liveClients.delete(clientId);
    this.dropNode(clientId);
    this.lastForgot.delete(clientId);
    return this.call(clientId, `quit ${clientId}`, (api, key) => api.quit(key, text));
  }

  /** The client drops its connection without a quit; resolves with the time it was cut. */
  async disconnect(clientId: number): Promise<number> {
    this.liveClients.delete(clientId);
    this.dropNode(clientId);
    this.lastForgot.delete(clientId);
    return this.call(clientId, `disconnect ${clientId}`, (api, key) => api.disconnect(key));
  }

  /** A node that left: it knows nothing any more, and nobody should know it. */
  private dropNode(id: number): void {
    const set = this.knows.get(id);
    if (set) for (const h of set) this.holders.set(h, this.holders.get(h)! - 1);
    this.knows.delete(id);
    this.scheduleCheck();
  }

  // ---- faults ---------------------------------------------------------------------------

  private get reconnects(): boolean {
    return this.options.reconnect ?? this.options.proxyLinks !== undefined;
  }

  private isProxied(a: number, b: number): boolean {
    const p = this.options.proxyLinks;
    if (p === undefined) return false;
    if (p === 'all') return true;
    return p.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  }

  private spawnProxyHost(): WorkerHandle<ProxyHostApi, ProxyEvent> {
    const h = new WorkerHandle<ProxyHostApi, ProxyEvent>({
      label: 'network',
      script: 'proxy-host',
      callTimeoutMs: this.options.callTimeoutMs,
      onEvents: (events) => {
        for (const e of events) this.options.onProxyEvent?.(e);
      },
      onCrash: (h2, err) => this.onCrash(h2, err),
    });
    h.hosts.push('link proxies');
    return h;
  }

  /** Every link: server-to-server, and the proxied clients' links. */
  linkList(): LinkInfo[] {
    return [...this.links.values()].map((l) => ({ ...l }));
  }

  /** Controls for the link between servers a and b (either order). It must be proxied. */
  link(a: number, b: number): LinkControl {
    const info = this.links.get(linkKey(a, b));
    if (!info) throw new Error(`no link between ${this.nameOf(a)} (${a}) and ${this.nameOf(b)} (${b})`);
    if (!info.proxy || !this.proxyHost) {
      throw new Error(`the link ${this.nameOf(info.child)}-${this.nameOf(info.parent)} is direct; start the simulation with ${info.kind === 'client' ? 'proxyClients' : 'proxyLinks'} to inject faults on it`);
    }
    const host = this.proxyHost;
    const name = info.proxy;
    const what = `link ${info.child}-${info.parent}`;
    return {
      info: { ...info },
      add: (toxic) => host.call(`${what}: add ${toxic.type}`, (api) => api.addToxic(name, toxic)),
      remove: (toxic) => host.call(`${what}: remove ${toxic}`, (api) => api.removeToxic(name, toxic)),
      toxics: () => host.call(`${what}: toxics`, (api) => api.toxics(name)),
      down: async (direction = 'both', how = 'close') => {
        await host.call(`${what}: down`, (api) => api.down(name, direction, how));
        if (direction !== 'both') return;
        if (info.kind === 'client') {
          // A client cut off is gone, as if it had disconnected; it does not re-dial by itself.
          if (this.liveClients.delete(info.child)) this.dropNode(info.child);
          return;
        }
        this.downLinks.add(linkKey(info.child, info.parent));
        this.recomputeSides();
      },
      up: async (direction = 'both') => {
        await host.call(`${what}: up`, (api) => api.up(name, direction));
        if (direction === 'both' && this.downLinks.delete(linkKey(info.child, info.parent))) this.recomputeSides();
      },
      hold: (direction = 'both') => host.call(`${what}: hold`, (api) => api.hold(name, direction)),
      release: (direction = 'both') => host.call(`${what}: release`, (api) => api.release(name, direction)),
      stats: () => host.call(`${what}: stats`, (api) => api.stats(name)),
    };
  }

  /**
   * Split the servers into groups: every link between two groups goes down (both ways, its
   * connections cut), so each side forgets the other. Servers not named form one more group.
   */
  async partition(groups: number[][]): Promise<LinkInfo[]> {
    const groupOf = new Map<number, number>();
    groups.forEach((g, i) => {
      for (const id of g) {
        if (!this.liveServers.has(id) && !this.crashed.has(id)) throw new Error(`partition: no server with id ${id}`);
        if (groupOf.has(id)) throw new Error(`partition: server ${id} is in two groups`);
        groupOf.set(id, i);
      }
    });
    await this.heal();
    const cut = [...this.links.values()].filter((l) => l.kind === 'server' && (groupOf.get(l.child) ?? -1) !== (groupOf.get(l.parent) ?? -1));
    for (const l of cut) await this.link(l.child, l.parent).down('both');
    this.partitioned = cut;
    return cut;
  }

  /** Bring back every link a partition cut. */
  async heal(): Promise<void> {
    const cut = this.partitioned;
    this.partitioned = [];
    for (const l of cut) await this.link(l.child, l.parent).up('both');
  }

  /** Links cut both ways (by down() or a partition). */
  private readonly downLinks = new Set<string>();
  /** Component of each live server over the links that are up; undefined = one network. */
  private sides: Map<number, number> | undefined;

  /** Recompute which live servers can still reach each other. */
  private recomputeSides(): void {
    const parent = new Map<number, number>([...this.liveServers].map((id) => [id, id]));
    const find = (x: number): number => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const [key, l] of this.links) {
      if (l.kind !== 'server' || this.downLinks.has(key) || !parent.has(l.child) || !parent.has(l.parent)) continue;
      parent.set(find(l.child), find(l.parent));
    }
    const sides = new Map([...parent.keys()].map((id) => [id, find(id)]));
    this.sides = new Set(sides.values()).size > 1 ? sides : undefined;
    this.scheduleCheck();
  }

  /**
   * Crash a server: its worker thread is terminated abruptly, so its sockets close as a killed
   * process's would. With several servers per worker, all of them go down together.
   */
  async crash(id: number): Promise<number[]> {
    const p = this.placement.get(id);
    if (!p || !this.liveServers.has(id)) throw new Error(`crash: no running server with id ${id}`);
    const gone = [...this.placement].filter(([, q]) => q.handle === p.handle).map(([sid]) => sid);
    for (const sid of gone) {
      this.liveServers.delete(sid);
      this.crashed.add(sid);
      this.dropNode(sid);
    }
    // Its clients lose their server: nobody should know them any more.
    for (const c of this.topology.clients) {
      if (gone.includes(this.clientServer.get(c.id) ?? -1) && this.liveClients.delete(c.id)) this.dropNode(c.id);
    }
    await p.handle.terminate();
    this.recomputeSides();
    return gone;
  }

  /** Restart a crashed server with the same id, name, port and links. */
  async restart(id: number): Promise<void> {
    if (!this.crashed.has(id)) throw new Error(`restart: server ${id} has not crashed`);
    const spec = this.topology.servers.find((s) => s.id === id);
    if (!spec) throw new Error(`restart: server ${id} is not in the topology`);
    const handle = this.spawn(`servers-${this.workers.length + 1}`);
    handle.hosts.push(spec.name);
    this.placement.set(id, { key: spec.name, handle });
    const port = this.ports.get(id)!;
    // The same port: servers that joined it (directly or through a proxy) re-dial it.
    await this.call(id, `restart server ${spec.name}`, (api, key) => api.startServer(key, { id, name: spec.name, info: spec.info, port, reconnect: this.reconnects }));
    this.crashed.delete(id);
    this.knows.set(id, new Set());
    this.liveServers.add(id);
    this.recomputeSides();
    if (spec.join !== undefined) await this.joinServer(spec);
  }

  port(serverId: number): number {
    const p = this.ports.get(serverId);
    if (p === undefined) throw new Error(`no running server with id ${serverId}`);
    return p;
  }

  nameOf(id: number): string {
    return this.placement.get(id)?.key ?? String(id);
  }

  get serversPerWorker(): number {
    return Math.max(1, this.options.serversPerWorker ?? 1);
  }

  get serverCount(): number {
    return this.liveServers.size;
  }
  get clientCount(): number {
    return this.liveClients.size;
  }

  async serverState(id: number): Promise<ServerState> {
    return this.call(id, `state of ${id}`, (api, key) => api.serverState(key));
  }
  async clientState(id: number): Promise<ClientState> {
    return this.call(id, `state of ${id}`, (api, key) => api.clientState(key));
  }
  async counters(id: number) {
    return this.call(id, `counters of ${id}`, (api, key) => api.counters(key));
  }

  /** Resident memory of the whole process (all threads), and V8 heap per worker. */
  async memory(): Promise<{ rss: number; heapUsed: number[] }> {
    const heaps = await Promise.all(this.workers.filter((w) => w.alive).map((w) => w.call('heap', (api) => api.heap())));
    return { rss: process.memoryUsage().rss, heapUsed: heaps.map((h) => h.used) };
  }

  /** Stop every worker: nodes close their sockets, then the threads end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters) w.fail(new Error('simulation stopped'));
    this.waiters.clear();
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.proxyHost?.stop();
  }
}

function linkKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}
