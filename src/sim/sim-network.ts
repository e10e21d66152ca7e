// A whole CRC network in this thread on a (virtual) clock: every server and client a sim node
// (server.ts, client.ts) on sim ports, the proxied links through sim link proxies, and the
// coordinator's own Links (fault state, partition/heal, components), Ledger (knowledge model,
// its waits on the same clock) and LedgerFeed, so the experiment runner sees what it sees on
// real ports (ExperimentNetwork). Boot as the real lifecycle: every server listening, the
// proxies, every join at once, then the clients.
import type { ProxyEvent } from '../faults/events.ts';
import type { DownMode } from '../faults/proxy.ts';
import type { ClientState } from '../net/client-node.ts';
import type { NodeEvent } from '../net/events.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ClientSpec, ServerSpec, Topology } from '../topology/schema.ts';
import { LedgerFeed } from '../coordinator/ledger-feed.ts';
import { type Convergence, type ConvergenceOptions, type ForgottenOptions, Ledger } from '../coordinator/ledger.ts';
import { type LinkControl, type LinkInfo, Links } from '../coordinator/links.ts';
import { livenessOf } from '../coordinator/liveness-defaults.ts';
import { runTraffic } from '../coordinator/client-traffic.ts';
import type { SimEvent } from '../threads/worker-api.ts';
import type { Clock } from '../util/clock.ts';
import { SimClient } from './client.ts';
import { SimLinkProxies } from './link-proxies.ts';
import { SIM_HOST, SimPorts } from './ports.ts';
import { SimServer } from './server.ts';

export interface SimNetworkOptions {
  topology: Topology;
  clock: Clock;
  seed?: number;
  proxyLinks?: 'all' | Array<[number, number]>;
  proxyClients?: 'all' | number[];
  traceFrames?: boolean | 'control';
  /** Servers re-dial a lost bootstrap link (default on). */
  reconnect?: boolean;
  /** Clients re-dial their server when cut off (default on). */
  clientReconnect?: boolean;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  onEvent?: (e: SimEvent) => void;
  onProxyEvent?: (e: ProxyEvent) => void;
  /**
   * Feed the Ledger with every node's host-learned / host-forgotten (default true). False for
   * networks too big for that (10,000 servers learn 10^8 hosts): the waits never resolve then;
   * read the cores instead (knownCounts).
   */
  observe?: boolean;
}

/** Structurally an ExperimentNetwork (src/experiment/network.ts): the runner drives it as it drives a Simulation. */
export class SimNetwork {
  readonly topology: Topology;
  readonly clock: Clock;
  private readonly ports: SimPorts;
  private readonly ledger: Ledger;
  private readonly links: Links;
  private readonly feed: LedgerFeed;
  private readonly servers = new Map<number, SimServer>();
  private readonly clients = new Map<number, SimClient>();
  private readonly serverPorts = new Map<number, number>();
  private readonly names = new Map<number, string>();
  private readonly liveness: { intervalMs: number; timeoutMs: number };
  private stopped = false;
  private readonly observe: boolean;

  private constructor(private readonly options: SimNetworkOptions) {
    this.topology = options.topology;
    this.clock = options.clock;
    this.observe = options.observe ?? true;
    for (const h of [...options.topology.servers, ...options.topology.clients]) this.names.set(h.id, h.name);
    this.ports = new SimPorts(this.clock);
    this.ledger = new Ledger((id) => this.nameOf(id), { clock: this.clock });
    const proxies = new SimLinkProxies(this.ports, (events) => {
      if (!this.stopped) for (const e of events) options.onProxyEvent?.(e);
    });
    this.links = new Links({ links: () => proxies }, { ...options, nameOf: (id) => this.nameOf(id) });
    this.liveness = livenessOf(options);
    const detection = this.liveness.intervalMs > 0 ? this.liveness.timeoutMs + this.liveness.intervalMs : undefined;
    this.feed = new LedgerFeed(this.ledger, this.links, options.clientReconnect ?? true, detection, this.clock);
    this.links.onChange = (change) => this.feed.linkChanged(change);
  }

  /** Start every server, then every link's proxy, every join at once, then every client. */
  static async start(options: SimNetworkOptions): Promise<SimNetwork> {
    const net = new SimNetwork(options);
    const { servers, clients } = options.topology;
    if (servers.some((s) => s.impl)) throw new Error('placement sim runs our servers only: this topology has foreign ones (impl)');
    for (const s of servers) net.startServer(s);
    for (const s of servers) {
      if (s.join !== undefined) await net.links.addServerLink(s.id, s.join, net.addressOf(s.join));
    }
    await Promise.all(servers.filter((s) => s.join !== undefined).map((s) => net.joinServer(s)));
    for (const c of clients) await net.addClient(c);
    return net;
  }

  nameOf(id: number): string {
    return this.names.get(id) ?? String(id);
  }

  private addressOf(id: number): { host: string; port: number } {
    const port = this.serverPorts.get(id);
    if (port === undefined) throw new Error(`server ${id} is not running`);
    return { host: SIM_HOST, port };
  }

  private emitter(node: number): (event: NodeEvent) => void {
    return (event) => {
      if (this.stopped) return;
      // The event is fresh from the core (or this node): stamped in place, no copy.
      const e = event as SimEvent;
      e.t = this.clock.now();
      e.node = node;
      if (this.observe && (e.type === 'host-learned' || e.type === 'host-forgotten')) this.ledger.apply([e]);
      this.options.onEvent?.(e);
    };
  }

  private startServer(s: ServerSpec): void {
    const server = new SimServer({
      id: s.id, name: s.name, info: s.info, port: this.serverPorts.get(s.id), reconnect: this.options.reconnect ?? true,
      pingIntervalMs: this.liveness.intervalMs, pingTimeoutMs: this.liveness.intervalMs > 0 ? this.liveness.timeoutMs : undefined,
      traceFrames: this.options.traceFrames, onEvent: this.emitter(s.id),
    }, this.ports, this.clock);
    this.servers.set(s.id, server);
    this.serverPorts.set(s.id, server.port);
    this.ledger.addServer(s.id);
  }

  private joinServer(s: ServerSpec): Promise<number> {
    const at = this.links.dialAddress(s.id, s.join!) ?? this.addressOf(s.join!);
    return this.servers.get(s.id)!.join(at.port);
  }

  // ---- the knowledge model ---------------------------------------------------------------

  converged(o?: ConvergenceOptions): Promise<Convergence> { return this.ledger.converged(o); }
  forgotten(id: number, o?: ForgottenOptions): Promise<Convergence> { return this.ledger.forgotten(id, o); }
  known(id: number, o?: ConvergenceOptions): Promise<Convergence> { return this.ledger.known(id, o); }
  knownBy(node: number): ReadonlySet<number> { return this.ledger.knownBy(node); }
  expectedOf(node: number): number[] { return this.ledger.expectedOf(node); }
  isConverged(): boolean { return this.ledger.isConverged(); }
  live(): { servers: number[]; clients: Array<{ id: number; server: number }> } {
    return { servers: [...this.ledger.liveServers], clients: this.ledger.liveClients() };
  }

  // ---- hosts -----------------------------------------------------------------------------

  async addClient(c: ClientSpec): Promise<number> {
    this.names.set(c.id, c.name);
    this.feed.clientGone(c.id);
    if (!this.ledger.liveServers.has(c.server)) throw new Error(`client ${c.name} attaches to server ${c.server}, which is not running`);
    if (this.ledger.isLive(c.id)) throw new Error(`id ${c.id} is already in use`);
    this.ledger.addClient(c.id, c.server);
    const at = await this.links.clientAddress(c.id, c.server, this.addressOf(c.server));
    this.clients.get(c.id)?.stop();
    const client = new SimClient({ id: c.id, name: c.name, info: c.info, serverPort: at.port, reconnect: this.options.clientReconnect ?? true, onEvent: this.emitter(c.id) }, this.ports, this.clock);
    this.clients.set(c.id, client);
    return client.connect();
  }

  traffic(from: number, to: number, rate: number, size: number, durationMs: number, tag = 't'): Promise<{ sent: number }> {
    if (!this.clients.has(from)) return Promise.reject(new Error(`traffic from ${from}: no client with that id`));
    // Looked up on every tick (a re-joined client is a new node); only `connected` is read, not a full state() copy.
    const view = { state: () => ({ connected: this.clients.get(from)?.core.connected ?? false }), chat: (dest: number, text: string) => this.clients.get(from)!.chat(dest, text) };
    return runTraffic(() => (this.clients.has(from) ? view : undefined), { to, rate, size, durationMs, tag }, this.clock);
  }

  async quit(clientId: number, text = ''): Promise<number> {
    const c = this.client(clientId);
    this.ledger.remove(clientId, { leaving: true });
    this.feed.clientGone(clientId);
    return c.quit(text);
  }

  async disconnect(clientId: number): Promise<number> {
    const c = this.client(clientId);
    this.ledger.remove(clientId, { leaving: true });
    this.feed.clientGone(clientId);
    return c.disconnect();
  }

  /** Crash one server (each runs alone, as in a thread of its own): its connections cut at once. */
  async crash(id: number): Promise<number[]> {
    const server = this.servers.get(id);
    if (!server || !this.ledger.liveServers.has(id)) throw new Error(`crash: no running server with id ${id}`);
    const clients = this.ledger.clientsOf(id).map((c) => ({ id: c, server: id }));
    for (const c of clients) this.ledger.remove(c.id);
    this.ledger.remove(id);
    server.crash();
    this.feed.serverCrashed(clients);
    return [id];
  }

  /** Restart a crashed server on its port, and join it to its bootstrap again. */
  async restart(id: number): Promise<void> {
    const spec = this.topology.servers.find((s) => s.id === id);
    if (!spec) throw new Error(`restart: server ${id} is not in the topology`);
    if (this.ledger.liveServers.has(id)) throw new Error(`restart: server ${id} has not crashed`);
    this.startServer(spec);
    this.feed.serverRestarted(id);
    if (spec.join !== undefined) await this.joinServer(spec);
  }

  private client(id: number): SimClient {
    const c = this.clients.get(id);
    if (!c) throw new Error(`no client with id ${id} in this network`);
    return c;
  }

  // ---- links -----------------------------------------------------------------------------

  linkList(): LinkInfo[] { return this.links.list(); }
  link(a: number, b: number): LinkControl { return this.links.control(a, b); }
  partition(groups: number[][], { mode = 'cut' }: { mode?: DownMode } = {}): Promise<LinkInfo[]> {
    return this.links.partition(groups, (id) => this.servers.has(id), mode);
  }
  heal(): Promise<void> { return this.links.heal(); }

  // ---- reading nodes ---------------------------------------------------------------------

  async serverState(id: number): Promise<ServerState> {
    const s = this.servers.get(id);
    if (!s || !this.ledger.liveServers.has(id)) throw new Error(`no running server with id ${id}`);
    return s.state();
  }

  async clientState(id: number): Promise<ClientState> {
    return this.client(id).state();
  }

  /** How many hosts each live server's core knows now, read off the cores themselves. */
  knownCounts(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [id, s] of this.servers) if (this.ledger.liveServers.has(id)) out.set(id, s.core.hostCount);
    return out;
  }

  /** Bytes queued on every node's connections, not yet taken by their peers. */
  pendingBytes(): number {
    let n = 0;
    for (const s of this.servers.values()) n += s.pendingBytes();
    for (const c of this.clients.values()) n += c.pendingBytes();
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.feed.stop();
    this.ledger.fail(new Error('simulation stopped'));
    for (const c of this.clients.values()) c.stop();
    for (const s of this.servers.values()) s.crash();
  }
}
