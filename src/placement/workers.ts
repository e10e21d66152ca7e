// The default placement: servers in worker threads of this process, `serversPerWorker` to a
// thread, driven over comlink (workers/node-host.ts); the link proxies where ProxyPlacement says (worker-links.ts).
import type { ProxyEvent } from '../faults/events.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ByteTotals, HostedServerSpec, ServerCounters } from '../threads/worker-api.ts';
import { WorkerHandle } from '../threads/worker-handle.ts';
import type { Address, LinkNetwork, PlacementHooks, ServerHost } from './types.ts';
import { type ProxyPlacement, WorkerLinks } from './worker-links.ts';

export class WorkerServers implements ServerHost {
  readonly kind = 'workers' as const;
  readonly workers: WorkerHandle[] = [];
  private readonly where = new Map<string, WorkerHandle>();
  private network: WorkerLinks | undefined;

  constructor(private readonly hooks: PlacementHooks, private readonly serversPerWorker = 1, private readonly proxyPlacement: ProxyPlacement = 'dialler') {}

  /** A new thread for servers, labelled `servers-<n>`. */
  private spawn(): WorkerHandle {
    const handle = new WorkerHandle({
      kind: 'servers', label: `servers-${this.workers.length + 1}`,
      callTimeoutMs: this.hooks.callTimeoutMs, eventTypes: this.hooks.eventTypes, knowledge: this.hooks.knowledge, onEvents: this.hooks.onEvents,
      // the proxies of the links this thread's servers dial (placement 'dialler') report here
      onProxyEvents: (events) => this.network?.onEvents(events),
      onCrash: (_h, err) => this.hooks.onCrash?.(err),
    });
    this.workers.push(handle);
    return handle;
  }

  private handleOf(name: string): WorkerHandle {
    const h = this.where.get(name);
    if (!h) throw new Error(`no server named ${name} in this network`);
    return h;
  }

  async start(spec: HostedServerSpec, { ownWorker }: { ownWorker: boolean }): Promise<Address> {
    if (this.where.get(spec.name)?.alive) throw new Error(`a host named ${spec.name} is already running`);
    const last = this.workers.at(-1);
    const handle = !ownWorker && last?.alive && last.hosts.length < this.serversPerWorker ? last : this.spawn();
    handle.hosts.push(spec.name);
    this.where.set(spec.name, handle);
    const port = await handle.call(`start server ${spec.name}`, (api) => api.startServer(spec.name, spec));
    return { host: '127.0.0.1', port };
  }

  join(name: string, target: Address, deadlineMs?: number): Promise<number> {
    return this.handleOf(name).call(`join ${name} to ${target.host}:${target.port}`, (api) => api.joinServer(name, target, deadlineMs));
  }

  async crash(name: string): Promise<void> {
    const h = this.where.get(name);
    if (!h?.alive) throw new Error(`crash: ${name} is not running`);
    await h.terminate();
  }

  alive(name: string): boolean {
    return this.where.get(name)?.alive ?? false;
  }

  colocated(name: string): string[] {
    const h = this.where.get(name);
    return h ? [...this.where].filter(([, w]) => w === h).map(([n]) => n) : [];
  }

  state(name: string): Promise<ServerState> {
    return this.handleOf(name).call(`state of ${name}`, (api) => api.serverState(name));
  }

  counters(name: string): Promise<ServerCounters> {
    return this.handleOf(name).call(`counters of ${name}`, (api) => api.counters(name));
  }

  async totals(): Promise<ByteTotals> {
    const all = await Promise.all(this.workers.filter((w) => w.alive).map((w) => w.call('totals', (api) => api.totals())));
    return all.reduce((a, t) => ({ bytesIn: a.bytesIn + t.bytesIn, bytesOut: a.bytesOut + t.bytesOut, pending: a.pending + t.pending }), { bytesIn: 0, bytesOut: 0, pending: 0 });
  }

  async states(): Promise<Record<string, ServerState>> {
    const out: Record<string, ServerState> = {};
    for (const w of this.workers.filter((x) => x.alive)) Object.assign(out, (await w.call('snapshot', (api) => api.states())).servers);
    return out;
  }

  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork {
    this.network ??= new WorkerLinks(this.hooks, onEvents, this.proxyPlacement, (child) => {
      const h = this.where.get(child);
      return h?.alive ? h : undefined;
    });
    return this.network;
  }

  /** Stop every server thread (nodes close their sockets), then the network thread. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.network?.stop();
  }
}
