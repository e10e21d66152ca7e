// The hosts and where they run. Hosts are keyed by name (an id is just an attribute, so a
// scenario may launch two hosts with one id, as the duplicate-id scenarios do). Servers run
// wherever the placement puts them (src/placement/: worker threads by default, processes, or
// started by someone else); clients always live in client workers of their own, never on the
// coordinator's thread, so their sockets' work never delays the coordinator's event handling
// and never shares a thread with the servers being measured. Start, join, crash and restart
// are here; links and the knowledge model are not.
import type { ClientState } from '../net/client-node.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ProxyEvent } from '../faults/events.ts';
import { type Address, type HostMemory, type LinkNetwork, type PlacementOptions, type ServerHost, createServerHost } from '../placement/index.ts';
import type { ByteTotals, HostedClientSpec, HostedServerSpec, KnowledgeMode, ServerCounters, SimEvent } from '../threads/worker-api.ts';
import { type WorkerCrash, WorkerHandle } from '../threads/worker-handle.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';

export interface WorldOptions extends PlacementOptions {
  /** Clients per client worker (default: all in one). */
  clientsPerWorker?: number;
  callTimeoutMs?: number;
  /** Which event types nodes stream ('all' by default; [] = none). */
  eventTypes?: string[] | 'all';
  /** How nodes report what they know: one event per host (default) or a digest per node (knowledge-digest.ts). */
  knowledge?: KnowledgeMode;
  /** Every batch of node events, as it arrives. */
  onEvents?: (events: SimEvent[]) => void;
  /** A worker or server process died unasked; the message names its hosts. */
  onCrash?: (error: WorkerCrash | Error) => void;
}

interface Host {
  name: string;
  kind: 'server' | 'client';
  /** a client's thread */
  handle?: WorkerHandle;
  /** What it was started with (a restart reuses it, port included). */
  spec: HostedServerSpec | HostedClientSpec;
  address?: Address;
  /** a server that joins a bootstrap (not a root) */
  joins?: boolean;
}

export class World {
  readonly servers: ServerHost;
  readonly serversPerWorker: number;
  private readonly clientWorkers: WorkerHandle[] = [];
  private readonly hosts = new Map<string, Host>();
  private linkNetwork: LinkNetwork | undefined;

  constructor(private readonly options: WorldOptions = {}) {
    this.serversPerWorker = Math.max(1, options.serversPerWorker ?? 1);
    this.servers = createServerHost({ ...options, serversPerWorker: this.serversPerWorker }, {
      eventTypes: options.eventTypes, knowledge: options.knowledge, onEvents: options.onEvents, callTimeoutMs: options.callTimeoutMs,
      onCrash: (err) => options.onCrash?.(err),
    });
  }

  /** The threads hosting servers (workers placement) and clients. */
  get workers(): WorkerHandle[] {
    return [...this.servers.workers, ...this.clientWorkers];
  }

  /** The link proxies (made on first use), wherever the placement runs them. */
  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork {
    this.linkNetwork ??= this.servers.links(onEvents);
    return this.linkNetwork;
  }

  /**
   * Start a server listening (no join yet); resolves with its port. `ownWorker`: in a new
   * thread of its own even when the last one has room (a server added or restarted later).
   * `joins`: it will be joined to a bootstrap (default); false for a root.
   */
  async startServer(spec: HostedServerSpec, { ownWorker = false, joins = true } = {}): Promise<number> {
    if (this.hosts.get(spec.name)?.kind === 'server' && this.servers.alive(spec.name)) throw new Error(`a host named ${spec.name} is already running`);
    const host: Host = { name: spec.name, kind: 'server', spec, joins };
    this.hosts.set(spec.name, host);
    host.address = await this.servers.start(spec, { ownWorker, joins });
    return host.address.port;
  }

  /** Join a started server to its bootstrap; resolves with the time its registration left (the server's clock). */
  joinServer(name: string, target: Address, deadlineMs?: number): Promise<number> {
    return this.servers.join(name, target, deadlineMs);
  }

  /** Start a client and register it; a client that quit and comes back keeps its worker. */
  async startClient(spec: HostedClientSpec): Promise<number> {
    const previous = this.hosts.get(spec.name);
    let handle = previous?.handle?.alive ? previous.handle : undefined;
    if (!handle) {
      const last = this.clientWorkers.at(-1);
      const room = this.options.clientsPerWorker ?? Number.POSITIVE_INFINITY;
      handle = last?.alive && last.hosts.length < room ? last : this.spawnClients();
    }
    if (previous?.handle !== handle) handle.hosts.push(spec.name);
    this.hosts.set(spec.name, { name: spec.name, kind: 'client', handle, spec });
    return handle.call(`start client ${spec.name}`, (api) => api.startClient(spec.name, spec));
  }

  private spawnClients(): WorkerHandle {
    const handle = new WorkerHandle({
      kind: 'clients', label: `clients-${this.clientWorkers.length + 1}`,
      callTimeoutMs: this.options.callTimeoutMs, eventTypes: this.options.eventTypes, knowledge: this.options.knowledge, onEvents: this.options.onEvents,
      onCrash: (_h, err) => this.options.onCrash?.(err),
    });
    this.clientWorkers.push(handle);
    return handle;
  }

  /** Call the worker hosting client `name` with its key. */
  call<T>(name: string, what: string, fn: (api: WorkerHandle['api'], key: string) => Promise<T>, timeoutMs?: number): Promise<T> {
    const host = this.hosts.get(name);
    if (!host?.handle) return Promise.reject(new Error(`${what}: no client named ${name} in this network`));
    return host.handle.call(what, (api) => fn(api, name), timeoutMs);
  }

  has(name: string): boolean {
    return this.hosts.has(name);
  }

  port(name: string): number | undefined {
    return this.hosts.get(name)?.address?.port;
  }

  /** Where server `name` listens (host and port). */
  address(name: string): Address | undefined {
    return this.hosts.get(name)?.address;
  }

  kindOf(name: string): 'server' | 'client' | undefined {
    return this.hosts.get(name)?.kind;
  }

  /** Every server sharing `name`'s thread (itself included): a crash takes them all down. */
  colocated(name: string): Array<{ name: string; id: number }> {
    return this.servers.colocated(name).map((n) => ({ name: n, id: this.hosts.get(n)!.spec.id }));
  }

  /** Take server `name` down abruptly: its sockets close as a killed process's would. */
  crash(name: string): Promise<void> {
    return this.servers.crash(name);
  }

  /** Start a crashed server again (in a thread of its own), with the same spec and port. */
  async restart(name: string): Promise<number> {
    const host = this.hosts.get(name);
    if (!host || host.kind !== 'server') throw new Error(`restart: no server named ${name}`);
    if (this.servers.alive(name)) throw new Error(`restart: ${name} is still running`);
    return this.startServer({ ...(host.spec as HostedServerSpec), port: host.address?.port }, { ownWorker: true, joins: host.joins });
  }

  serverState(name: string): Promise<ServerState> {
    return this.servers.state(name);
  }

  counters(name: string): Promise<ServerCounters> {
    return this.servers.counters(name);
  }

  clientState(name: string): Promise<ClientState> {
    return this.call(name, `state of ${name}`, (api, key) => api.clientState(key));
  }

  /** Bytes in and out of every server and client, for "is anything in flight?" checks. */
  async totals(): Promise<ByteTotals> {
    const parts = await Promise.all([this.servers.totals(), ...this.clientWorkers.filter((w) => w.alive).map((w) => w.call('totals', (api) => api.totals()))]);
    return parts.reduce((a, t) => ({ bytesIn: a.bytesIn + t.bytesIn, bytesOut: a.bytesOut + t.bytesOut, pending: a.pending + t.pending }));
  }

  /** Every live node's state, by name. */
  async states(): Promise<{ servers: Record<string, ServerState>; clients: Record<string, ClientState> }> {
    const clients: Record<string, ClientState> = {};
    for (const w of this.clientWorkers.filter((x) => x.alive)) Object.assign(clients, (await w.call('snapshot', (api) => api.states())).clients);
    return { servers: await this.servers.states(), clients };
  }

  /**
   * Resident memory of this process (all threads), and V8 heap per live worker; with servers in
   * other processes (placement hosts), each of those as `hosts`, its threads' heaps in `heapUsed`.
   */
  async memory(): Promise<{ rss: number; heapUsed: number[]; hosts?: HostMemory[] }> {
    const [heaps, hosts] = await Promise.all([
      Promise.all(this.workers.filter((w) => w.alive).map((w) => w.call('heap', (api) => api.heap()))),
      this.servers.memory?.(),
    ]);
    return { rss: process.memoryUsage().rss, heapUsed: [...heaps.map((h) => h.used), ...(hosts ?? []).flatMap((h) => h.heapUsed)], hosts };
  }

  /**
   * How late every thread (servers', clients', link proxies') or server process was around
   * [from, to]: the path of a timed check runs through them. Those gone or silent are left out.
   */
  async lateness(from: number, to: number): Promise<ThreadLateness[]> {
    const parts = await Promise.all([
      ...this.workers.map(async (w) => [await w.lateness(from, to)]),
      this.servers.lateness?.(from, to).catch(() => []) ?? [],
      this.linkNetwork?.lateness?.(from, to).catch(() => []) ?? [],
    ]);
    return parts.flat().filter((x): x is ThreadLateness => x !== undefined);
  }

  /** Stop every client worker and every server (nodes close their sockets), the link proxies last. */
  async stop(): Promise<void> {
    await Promise.all([...this.clientWorkers.map((w) => w.stop()), this.servers.stop()]);
  }
}
