// The coordinator: every CRC server in a worker thread on a real localhost port, clients in a
// worker of their own, and a live model of what every node knows, built from the workers'
// event streams. converged() and forgotten() are answered from that model, so they resolve
// as soon as the last event arrives, and report when it happened (the worker's timestamp).
import type { ClientState } from '../net/client-node.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ClientSpec, ServerSpec, Topology } from '../topology/schema.ts';
import type { SimEvent } from './protocol.ts';
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
  private readonly liveServers = new Set<number>();
  private readonly liveClients = new Set<number>();
  /** What each node knows, from host-learned / host-forgotten events. */
  private readonly knows = new Map<number, Set<number>>();
  /** How many nodes know each id. */
  private readonly holders = new Map<number, number>();
  private readonly lastForgot = new Map<number, number>();
  private lastEventAt = 0;
  private waiters = new Set<Waiter>();
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
        api.startServer(key, { id: s.id, name: s.name, info: s.info, reconnect: this.options.reconnect }));
      this.ports.set(s.id, port);
      this.knows.set(s.id, new Set());
      this.liveServers.add(s.id);
      this.options.onProgress?.('listen', ++done, servers.length);
    }));
    this.timings.listenMs = performance.now() - t0;

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

  private call<T>(id: number, what: string, fn: (api: WorkerHandle['api'], key: string) => Promise<T>): Promise<T> {
    const p = this.placement.get(id);
    if (!p) return Promise.reject(new Error(`${what}: no server or client with id ${id} in this simulation`));
    return p.handle.call(what, (api) => fn(api, p.key));
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

  private async joinServer(s: ServerSpec): Promise<void> {
    const parentPort = this.ports.get(s.join!);
    if (parentPort === undefined) throw new Error(`server ${s.name} joins ${s.join}, which is not running`);
    await this.call(s.id, `join ${s.name} to server ${s.join}`, (api, key) =>
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
        }
      } else if (e.type === 'host-forgotten') {
        const set = this.knows.get(e.node);
        if (set?.delete(e.id)) {
          this.holders.set(e.id, this.holders.get(e.id)! - 1);
          if (e.t > (this.lastForgot.get(e.id) ?? 0)) this.lastForgot.set(e.id, e.t);
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

  private expectedCount(node: number): number {
    if (this.liveServers.has(node)) return this.liveServers.size + this.liveClients.size - 1;
    return this.liveClients.size - 1;
  }

  /** Per-node differences between what nodes know and what should exist. */
  diff(limit = 20): string[] {
    const out: string[] = [];
    const all = [...this.liveServers, ...this.liveClients];
    for (const node of all) {
      const knows = this.knows.get(node) ?? new Set<number>();
      const expected = this.liveServers.has(node) ? all.filter((id) => id !== node) : [...this.liveClients].filter((id) => id !== node);
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
  forgotten(id: number, { timeoutMs = 30_000 }: ConvergenceOptions = {}): Promise<{ at: number }> {
    return this.waitFor(() => ((this.holders.get(id) ?? 0) === 0 ? { at: this.lastForgot.get(id) ?? 0 } : undefined), timeoutMs, () => {
      const still = [...this.knows].filter(([, set]) => set.has(id)).map(([node]) => `${this.nameOf(node)} (${node})`);
      return new ConvergenceTimeout(`${id} still known after ${timeoutMs} ms by ${still.join(', ')}`, still);
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

  /** Attach a client (to a running server) and register it. */
  async addClient(c: ClientSpec): Promise<void> {
    const serverPort = this.ports.get(c.server);
    if (serverPort === undefined) throw new Error(`client ${c.name} attaches to server ${c.server}, which is not running`);
    const handle = this.clientWorker();
    handle.hosts.push(c.name);
    this.placement.set(c.id, { key: c.name, handle });
    this.knows.set(c.id, new Set());
    this.liveClients.add(c.id);
    await this.call(c.id, `start client ${c.name}`, (api, key) => api.startClient(key, { id: c.id, name: c.name, info: c.info, serverPort }));
  }

  /** Start a new server and join it to `s.join`. */
  async addServer(s: ServerSpec): Promise<void> {
    const handle = this.spawn(`servers-${this.workers.length + 1}`);
    handle.hosts.push(s.name);
    this.placement.set(s.id, { key: s.name, handle });
    const port = await this.call(s.id, `start server ${s.name}`, (api, key) => api.startServer(key, { id: s.id, name: s.name, info: s.info, reconnect: this.options.reconnect }));
    this.ports.set(s.id, port);
    this.knows.set(s.id, new Set());
    this.liveServers.add(s.id);
    if (s.join !== undefined) await this.joinServer(s);
  }

  async chat(from: number, to: number, text: string): Promise<void> {
    await this.call(from, `chat from ${from}`, (api, key) => api.chat(key, to, text));
  }

  /** The client sends a quit and closes. Resolves once the quit has left it. */
  async quit(clientId: number, text = ''): Promise<void> {
    this.liveClients.delete(clientId);
    this.dropNode(clientId);
    await this.call(clientId, `quit ${clientId}`, (api, key) => api.quit(key, text));
  }

  /** The client drops its connection without a quit. */
  async disconnect(clientId: number): Promise<void> {
    this.liveClients.delete(clientId);
    this.dropNode(clientId);
    await this.call(clientId, `disconnect ${clientId}`, (api, key) => api.disconnect(key));
  }

  /** A node that left: it knows nothing any more, and nobody should know it. */
  private dropNode(id: number): void {
    const set = this.knows.get(id);
    if (set) for (const h of set) this.holders.set(h, this.holders.get(h)! - 1);
    this.knows.delete(id);
    this.scheduleCheck();
  }

  port(serverId: number): number {
    const p = this.ports.get(serverId);
    if (p === undefined) throw new Error(`no running server with id ${serverId}`);
    return p;
  }

  nameOf(id: number): string {
    return this.placement.get(id)?.key ?? String(id);
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
  }
}
