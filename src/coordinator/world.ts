// The hosts and the threads they run in. Hosts are keyed by name (an id is just an attribute,
// so a scenario may launch two hosts with one id, as the duplicate-id scenarios do). Servers
// fill worker threads `serversPerWorker` at a time; clients live in client workers of their
// own, never on the coordinator's thread, so their sockets' work never delays the
// coordinator's event handling and never shares a thread with the servers being measured.
// Start, join, crash and restart are here; links and the knowledge model are not.
import type { ClientState } from '../net/client-node.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ProxyEvent } from '../faults/events.ts';
import type { HostedClientSpec, KnowledgeMode, HostedServerSpec, ProxyHostApi, SimEvent } from './worker-api.ts';
import { type WorkerCrash, WorkerHandle } from './worker-handle.ts';

export interface WorldOptions {
  /** Servers hosted by each worker thread (default 1). */
  serversPerWorker?: number;
  /** Clients per client worker (default: all in one). */
  clientsPerWorker?: number;
  callTimeoutMs?: number;
  /** Which event types workers stream ('all' by default; [] = none). */
  eventTypes?: string[] | 'all';
  /** How nodes report what they know: one event per host (default) or a digest per node (knowledge-digest.ts). */
  knowledge?: KnowledgeMode;
  /** Every batch of node events, as it arrives. */
  onEvents?: (events: SimEvent[]) => void;
  /** A worker died unasked; the message names its hosts. */
  onCrash?: (error: WorkerCrash) => void;
  /** Events of the link proxies hosted by server threads (placement 'dialler'). */
  onProxyEvents?: (events: ProxyEvent[]) => void;
}

interface Host {
  name: string;
  kind: 'server' | 'client';
  handle: WorkerHandle;
  /** What it was started with (a restart reuses it, port included). */
  spec: HostedServerSpec | HostedClientSpec;
  port?: number;
}

export class World {
  /** The threads hosting servers and clients, in the order they were started. */
  readonly workers: WorkerHandle[] = [];
  /** The thread hosting every link proxy, once a link needs one. */
  network: WorkerHandle<ProxyHostApi, ProxyEvent> | undefined;
  /** Network threads of one proxy each (placement 'per-link'), by proxy name. */
  readonly networks = new Map<string, WorkerHandle<ProxyHostApi, ProxyEvent>>();
  readonly serversPerWorker: number;
  private readonly hosts = new Map<string, Host>();

  constructor(private readonly options: WorldOptions = {}) {
    this.serversPerWorker = Math.max(1, options.serversPerWorker ?? 1);
  }

  /** A new thread for servers or clients, labelled `<kind>-<n>`. */
  private spawn(kind: 'servers' | 'clients'): WorkerHandle {
    const handle = new WorkerHandle({
      kind,
      label: `${kind}-${this.workers.filter((w) => w.kind === kind).length + 1}`,
      callTimeoutMs: this.options.callTimeoutMs,
      eventTypes: this.options.eventTypes,
      knowledge: this.options.knowledge,
      onEvents: this.options.onEvents,
      onProxyEvents: this.options.onProxyEvents,
      onCrash: (_h, err) => this.options.onCrash?.(err),
    });
    this.workers.push(handle);
    return handle;
  }

  /**
   * The network thread (made on first use): every link proxy runs there; or, given `proxy`,
   * a network thread of its own for that proxy.
   */
  networkWorker(onEvents: (events: ProxyEvent[]) => void, proxy?: string): WorkerHandle<ProxyHostApi, ProxyEvent> {
    if (proxy !== undefined) {
      let own = this.networks.get(proxy);
      if (!own) {
        own = new WorkerHandle<ProxyHostApi, ProxyEvent>({
          kind: 'network',
          label: `network-${proxy}`,
          callTimeoutMs: this.options.callTimeoutMs,
          onEvents,
          onCrash: (_h, err) => this.options.onCrash?.(err),
        });
        own.hosts.push(`proxy ${proxy}`);
        this.networks.set(proxy, own);
      }
      return own;
    }
    this.network ??= new WorkerHandle<ProxyHostApi, ProxyEvent>({
      kind: 'network',
      label: 'network',
      callTimeoutMs: this.options.callTimeoutMs,
      onEvents,
      onCrash: (_h, err) => this.options.onCrash?.(err),
    });
    if (this.network.hosts.length === 0) this.network.hosts.push('link proxies');
    return this.network;
  }

  /** The last worker of `kind` if it is alive and has room, else a new one. */
  private place(kind: 'servers' | 'clients', room: number): WorkerHandle {
    const last = this.workers.findLast((w) => w.kind === kind);
    if (last && last.alive && last.hosts.length < room) return last;
    return this.spawn(kind);
  }

  /**
   * Start a server listening (no join yet); resolves with its port. `ownWorker`: in a new
   * thread of its own even when the last one has room (a server added or restarted later).
   */
  async startServer(spec: HostedServerSpec, { ownWorker = false } = {}): Promise<number> {
    if (this.hosts.get(spec.name)?.handle.alive) throw new Error(`a host named ${spec.name} is already running`);
    const handle = ownWorker ? this.spawn('servers') : this.place('servers', this.serversPerWorker);
    handle.hosts.push(spec.name);
    const host: Host = { name: spec.name, kind: 'server', handle, spec };
    this.hosts.set(spec.name, host);
    host.port = await handle.call(`start server ${spec.name}`, (api) => api.startServer(spec.name, spec));
    return host.port;
  }

  /** Join a started server to its bootstrap; resolves with the time its registration left (worker clock). */
  joinServer(name: string, target: { host: string; port: number }, deadlineMs?: number): Promise<number> {
    return this.call(name, `join ${name} to ${target.host}:${target.port}`, (api, key) => api.joinServer(key, target, deadlineMs));
  }

  /** Start a client and register it; a client that quit and comes back keeps its worker. */
  async startClient(spec: HostedClientSpec): Promise<number> {
    const previous = this.hosts.get(spec.name);
    const handle = previous?.handle.alive ? previous.handle : this.place('clients', this.options.clientsPerWorker ?? Number.POSITIVE_INFINITY);
    if (previous?.handle !== handle) handle.hosts.push(spec.name);
    this.hosts.set(spec.name, { name: spec.name, kind: 'client', handle, spec });
    return handle.call(`start client ${spec.name}`, (api) => api.startClient(spec.name, spec));
  }

  /** Call the worker hosting `name` with its key. */
  call<T>(name: string, what: string, fn: (api: WorkerHandle['api'], key: string) => Promise<T>, timeoutMs?: number): Promise<T> {
    const host = this.hosts.get(name);
    if (!host) return Promise.reject(new Error(`${what}: no host named ${name} in this network`));
    return host.handle.call(what, (api) => fn(api, name), timeoutMs);
  }

  /** The thread hosting `name` now. */
  handleOf(name: string): WorkerHandle | undefined {
    return this.hosts.get(name)?.handle;
  }

  has(name: string): boolean {
    return this.hosts.has(name);
  }

  port(name: string): number | undefined {
    return this.hosts.get(name)?.port;
  }

  kindOf(name: string): 'server' | 'client' | undefined {
    return this.hosts.get(name)?.kind;
  }

  /** Every host sharing `name`'s thread (itself included): a crash takes them all down. */
  colocated(name: string): Array<{ name: string; id: number }> {
    const host = this.hosts.get(name);
    return host ? [...this.hosts.values()].filter((h) => h.handle === host.handle).map((h) => ({ name: h.name, id: h.spec.id })) : [];
  }

  /** Terminate the thread hosting `name` abruptly: its sockets close as a killed process's would. */
  async crash(name: string): Promise<void> {
    const host = this.hosts.get(name);
    if (!host?.handle.alive) throw new Error(`crash: ${name} is not running`);
    await host.handle.terminate();
  }

  /** Start a crashed server again, in a thread of its own, with the same spec and port. */
  async restart(name: string): Promise<number> {
    const host = this.hosts.get(name);
    if (!host || host.kind !== 'server') throw new Error(`restart: no server named ${name}`);
    if (host.handle.alive) throw new Error(`restart: ${name} is still running`);
    return this.startServer({ ...(host.spec as HostedServerSpec), port: host.port }, { ownWorker: true });
  }

  serverState(name: string): Promise<ServerState> {
    return this.call(name, `state of ${name}`, (api, key) => api.serverState(key));
  }

  clientState(name: string): Promise<ClientState> {
    return this.call(name, `state of ${name}`, (api, key) => api.clientState(key));
  }

  /** Resident memory of the whole process (all threads), and V8 heap per live worker. */
  async memory(): Promise<{ rss: number; heapUsed: number[] }> {
    const heaps = await Promise.all(this.workers.filter((w) => w.alive).map((w) => w.call('heap', (api) => api.heap())));
    return { rss: process.memoryUsage().rss, heapUsed: heaps.map((h) => h.used) };
  }

  /** Stop every worker: nodes close their sockets, then the threads end; the network last. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await Promise.all([this.network, ...this.networks.values()].map((n) => n?.stop()));
  }
}
