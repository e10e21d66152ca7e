// The coordinator's facade: a CRC network of servers in worker threads on real localhost
// ports (World), the links between them with their fault proxies (Links), and the model of
// what every node knows, built from the workers' event streams (Ledger). World and Links never
// touch the Ledger: the facade forwards their changes to the LedgerFeed, the one place that
// tells the Ledger about them.
import type { DownMode } from '../faults/proxy.ts';
import type { ClientState } from '../net/client-node.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ClientSpec, ServerSpec, Topology } from '../topology/schema.ts';
import { nowMs } from '../util/clock.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import { LedgerFeed } from './ledger-feed.ts';
import { type BootTimings, type Network, anyForeign, boot, crashServer, joinServer, restartServer, startClient, startServer } from './lifecycle.ts';
import { type Convergence, type ConvergenceOptions, type ForgottenOptions, Ledger } from './ledger.ts';
import { type LinkControl, type LinkInfo, Links } from './links.ts';
import { connectionTimeoutsOf, livenessOf } from './liveness-defaults.ts';
import type { SimulationOptions } from './options.ts';
import type { ServerCounters } from '../threads/worker-api.ts';
import { World } from './world.ts';

export { ConvergenceTimeout, type Convergence, type ConvergenceOptions, type ForgottenOptions } from './ledger.ts';
export type { LinkControl, LinkFaults, LinkInfo } from './links.ts';
export type { SimulationOptions } from './options.ts';

export class Simulation {
  readonly topology: Topology;
  readonly crashes: string[] = [];
  timings: BootTimings = { listenMs: 0, joinMs: 0, clientsMs: 0, startMs: 0 };
  private readonly net: Network;
  private readonly names = new Map<number, string>();
  private readonly feed: LedgerFeed;
  private stopped = false;

  private constructor(options: SimulationOptions) {
    this.topology = options.topology;
    for (const h of [...options.topology.servers, ...options.topology.clients]) this.names.set(h.id, h.name);
    const ledger = new Ledger((id) => this.nameOf(id), { digests: options.knowledge === 'digest' });
    const world: World = new World({
      ...options,
      foreign: options.foreign ?? anyForeign(options.topology),
      hostKind: (id) => world.kindOf(this.nameOf(id)),
      onEvents: (events) => {
        ledger.apply(events);
        if (options.onEvent) for (const e of events) options.onEvent(e);
      },
      onCrash: (err) => {
        if (this.stopped) return;
        this.crashes.push(err.message);
        options.onCrash?.(err.message);
        ledger.fail(err);
      },
    });
    const links = new Links(world, { ...options, nameOf: (id) => this.nameOf(id) });
    const liveness = livenessOf(options);
    const clientReconnect = options.clientReconnect ?? true;
    this.feed = new LedgerFeed(ledger, links, clientReconnect, liveness.intervalMs > 0 ? liveness.timeoutMs + liveness.intervalMs : undefined);
    links.onChange = (change) => this.feed.linkChanged(change);
    this.net = {
      world, links, ledger, topology: options.topology, liveness, timeouts: connectionTimeoutsOf(options),
      reconnect: options.reconnect ?? true, clientReconnect,
      joinDeadlineMs: options.joinDeadlineMs, traceFrames: options.traceFrames, nameOf: (id) => this.nameOf(id),
    };
  }

  /** Start every server (listening, then all joins at once), then every client. */
  static async start(options: SimulationOptions): Promise<Simulation> {
    const sim = new Simulation(options);
    try {
      sim.timings = await boot(sim.net, options.onProgress);
    } catch (err) {
      await sim.stop();
      throw err;
    }
    return sim;
  }

  get workers() { return this.net.world.workers; }
  get serversPerWorker(): number { return this.net.world.serversPerWorker; }
  get serverCount(): number { return this.net.ledger.serverCount; }
  get clientCount(): number { return this.net.ledger.clientCount; }
  nameOf(id: number): string { return this.names.get(id) ?? String(id); }

  // ---- the knowledge model ---------------------------------------------------------------

  converged(o?: ConvergenceOptions): Promise<Convergence> { return this.net.ledger.converged(o); }
  forgotten(id: number, o?: ForgottenOptions): Promise<Convergence> { return this.net.ledger.forgotten(id, o); }
  known(id: number, o?: ConvergenceOptions): Promise<Convergence> { return this.net.ledger.known(id, o); }
  diff(limit?: number): string[] { return this.net.ledger.diff(limit); }
  isConverged(): boolean { return this.net.ledger.isConverged(); }
  knownBy(node: number): ReadonlySet<number> { return this.net.ledger.knownBy(node); }
  expectedOf(node: number): number[] { return this.net.ledger.expectedOf(node); }
  /** Who is alive now: the live servers, and each live client with its server. */
  live(): { servers: number[]; clients: Array<{ id: number; server: number }> } {
    return { servers: [...this.net.ledger.liveServers], clients: this.net.ledger.liveClients() };
  }

  // ---- hosts -----------------------------------------------------------------------------

  /** Attach a client (to a running server) and register it; resolves with when its registration left. */
  addClient(c: ClientSpec): Promise<number> {
    this.names.set(c.id, c.name);
    this.feed.clientGone(c.id); // started afresh: its old node stops re-dialling
    return startClient(this.net, c);
  }

  /** Start a new server in a worker of its own and join it to `s.join`; resolves with when its registration left. */
  async addServer(s: ServerSpec): Promise<number> {
    this.names.set(s.id, s.name);
    await startServer(this.net, s, { ownWorker: true });
    return s.join === undefined ? nowMs() : joinServer(this.net, s);
  }

  chat(from: number, to: number, text: string): Promise<void> {
    return this.net.world.call(this.nameOf(from), `chat from ${from}`, (api, key) => api.chat(key, to, text));
  }

  /** Chats generated in the client's worker ("<tag><seq> <send time ms> …", traffic-text.ts); deliveries show as chat-delivered events. */
  traffic(from: number, to: number, rate: number, size: number, durationMs: number, tag = 't'): Promise<{ sent: number }> {
    return this.net.world.call(this.nameOf(from), `traffic from ${from}`, (api, key) => api.traffic(key, to, rate, size, durationMs, tag), durationMs + 10_000);
  }

  /** The client sends a quit and closes. Resolves with the time the quit left it (its thread's clock). */
  quit(clientId: number, text = ''): Promise<number> {
    this.net.ledger.remove(clientId, { leaving: true });
    this.feed.clientGone(clientId);
    return this.net.world.call(this.nameOf(clientId), `quit ${clientId}`, (api, key) => api.quit(key, text));
  }

  /** The client drops its connection without a quit; resolves with the time it was cut. */
  disconnect(clientId: number): Promise<number> {
    this.net.ledger.remove(clientId, { leaving: true });
    this.feed.clientGone(clientId);
    return this.net.world.call(this.nameOf(clientId), `disconnect ${clientId}`, (api, key) => api.disconnect(key));
  }

  /** Crash a server's worker thread (every server in it goes down together); resolves with their ids. */
  async crash(id: number): Promise<number[]> {
    const { servers, clients } = await crashServer(this.net, id);
    this.feed.serverCrashed(clients);
    return servers;
  }

  /** Restart a crashed server with the same id, name, port and links. */
  async restart(id: number): Promise<void> {
    const spec = this.topology.servers.find((s) => s.id === id);
    if (!spec) throw new Error(`restart: server ${id} is not in the topology`);
    await restartServer(this.net, spec);
    this.feed.serverRestarted(id);
    if (spec.join !== undefined) await joinServer(this.net, spec);
  }

  // ---- links -----------------------------------------------------------------------------

  /** Every link: server-to-server, and the proxied clients' links. */
  linkList(): LinkInfo[] { return this.net.links.list(); }
  /** Controls for the link between a and b (either order). It must be proxied. */
  link(a: number, b: number): LinkControl { return this.net.links.control(a, b); }
  /**
   * Take every server link between groups down (both ways): 'cut' (default) closes their
   * connections, 'silent' drops their bytes (only liveness finds it). Servers not named form
   * one more group.
   */
  partition(groups: number[][], { mode = 'cut' }: { mode?: DownMode } = {}): Promise<LinkInfo[]> {
    return this.net.links.partition(groups, (id) => this.net.world.kindOf(this.nameOf(id)) === 'server', mode);
  }
  /** Bring back every link a partition cut. */
  heal(): Promise<void> { return this.net.links.heal(); }

  // ---- reading nodes ---------------------------------------------------------------------

  port(serverId: number): number {
    const p = this.net.world.kindOf(this.nameOf(serverId)) === 'server' ? this.net.world.port(this.nameOf(serverId)) : undefined;
    if (p === undefined) throw new Error(`no running server with id ${serverId}`);
    return p;
  }
  serverState(id: number): Promise<ServerState> { return this.net.world.serverState(this.nameOf(id)); }
  clientState(id: number): Promise<ClientState> { return this.net.world.clientState(this.nameOf(id)); }
  counters(id: number): Promise<ServerCounters> {
    return this.net.world.counters(this.nameOf(id));
  }
  /** How late each thread (or server process) of the network was around [from, to] (world.ts). */
  threadLateness(from: number, to: number): Promise<ThreadLateness[]> { return this.net.world.lateness(from, to); }
  /** Resident memory of the whole process (all threads), and V8 heap per worker. */
  memory(): ReturnType<World['memory']> { return this.net.world.memory(); }

  /** Stop every worker: nodes close their sockets, then the threads end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.feed.stop();
    this.net.ledger.fail(new Error('simulation stopped'));
    await this.net.world.stop();
  }
}
