// The link proxies of the workers placement, over comlink, and where each one runs
// (ProxyPlacement). 'dialler' (default): in the thread of the server that dials the link, so
// its bytes cross no extra thread (results/proxy.md: it costs least); when that thread crashes
// its proxies are made again, on the same ports and with the same faults, in the network
// thread, where they stay. 'network': all in one network thread (workers/proxy-host.ts).
// 'per-link': a network thread per proxy. Clients' proxies always run in the network thread.
import type { ProxyEvent } from '../faults/events.ts';
import type { DownHow, DownMode } from '../faults/proxy.ts';
import type { AddProxyOptions, ProxyReplay } from '../faults/proxy-table.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import { type Direction, type ToxicInfo, type ToxicSpec, directionsOf } from '../faults/toxic.ts';
import type { Comlink } from '../util/comlink-node.ts';
import type { ProxyApi, ProxyHostApi } from '../coordinator/worker-api.ts';
import { WorkerHandle } from '../coordinator/worker-handle.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { Address, LinkNetwork, PlacementHooks, ProxyRole } from './types.ts';

export type ProxyPlacement = 'dialler' | 'network' | 'per-link';
export const PROXY_PLACEMENTS: readonly ProxyPlacement[] = ['dialler', 'network', 'per-link'];

/** A thread serving ProxyApi: a server thread (NodeHostApi) or a network thread. */
export interface ProxyHome {
  readonly alive: boolean;
  call<T>(what: string, fn: (api: Comlink.Remote<ProxyApi>) => Promise<T>): Promise<T>;
}

/** A proxy as the coordinator made it, and its fault state now (to make it again elsewhere). */
interface Placed {
  home: ProxyHome;
  target: Address;
  port: number;
  seed: number;
  toxics: ToxicInfo[];
  down: Partial<Record<Direction, { how: DownHow; mode: DownMode }>>;
  held: Set<Direction>;
}

export class WorkerLinks implements LinkNetwork {
  private network: WorkerHandle<ProxyHostApi, ProxyEvent> | undefined;
  private readonly perLink = new Map<string, WorkerHandle<ProxyHostApi, ProxyEvent>>();
  private readonly placed = new Map<string, Placed>();
  private networkStarted: Promise<unknown> | undefined;

  /**
   * `diallerOf(child)`: the live thread hosting server `child`, if it runs in this placement
   * (clients do not). `onEvents` gets the events of every proxy, wherever it runs.
   */
  constructor(
    private readonly hooks: PlacementHooks,
    readonly onEvents: (events: ProxyEvent[]) => void,
    private readonly placement: ProxyPlacement = 'dialler',
    private readonly diallerOf: (child: string) => ProxyHome | undefined = () => undefined,
  ) {}

  private networkThread(proxy?: string): WorkerHandle<ProxyHostApi, ProxyEvent> {
    const make = (label: string, host: string) => {
      const h = new WorkerHandle<ProxyHostApi, ProxyEvent>({
        kind: 'network', label, callTimeoutMs: this.hooks.callTimeoutMs, onEvents: this.onEvents,
        onCrash: (_h, err) => this.hooks.onCrash?.(err),
      });
      h.hosts.push(host);
      return h;
    };
    if (proxy !== undefined) {
      let own = this.perLink.get(proxy);
      if (!own) this.perLink.set(proxy, (own = make(`network-${proxy}`, `proxy ${proxy}`)));
      return own;
    }
    return (this.network ??= make('network', 'link proxies'));
  }

  private homeFor(name: string, role: ProxyRole): ProxyHome {
    if (this.placement === 'per-link') return this.networkThread(name);
    if (this.placement === 'dialler') {
      const dialler = this.diallerOf(role.child);
      if (dialler) return dialler;
    }
    return this.networkThread();
  }

  private proxy(name: string): Placed {
    const p = this.placed.get(name);
    if (!p) throw new Error(`no proxy named ${name}`);
    return p;
  }

  private call<T>(name: string, verb: string, fn: (api: Comlink.Remote<ProxyApi>) => Promise<T>): Promise<T> {
    // Looked up at each call: a crash may have moved the proxy.
    return this.proxy(name).home.call(`proxy ${name}: ${verb}`, fn);
  }

  async addProxy(name: string, target: Address, role: ProxyRole): Promise<Address> {
    const home = this.homeFor(name, role);
    // The network thread a crashed dialler's proxies move to is started now, not during the
    // crash: a thread start costs a core for a while, which would slow the nodes' convergence.
    if (home !== this.network && this.placement === 'dialler') this.networkStarted ??= this.networkThread().call('start the network thread', (api) => api.toxicTypes());
    const port = await home.call(`proxy ${name}: add`, (api) => api.addProxy(name, target, role.seed));
    await this.networkStarted;
    this.placed.set(name, { home, target, port, seed: role.seed, toxics: [], down: {}, held: new Set() });
    return { host: '127.0.0.1', port };
  }

  /**
   * After a crash: the proxies whose thread died are made again in the network thread, on the
   * same ports, with their toxics, downs and holds, so a link's faults outlive the crash as
   * they would in a network thread (what was in flight inside them is lost, as in the crashed
   * host's own buffers).
   */
  async rehomeOrphans(): Promise<void> {
    for (const [name, p] of this.placed) {
      if (p.home.alive) continue;
      const replay: ProxyReplay = { toxics: p.toxics, down: p.down, held: [...p.held] };
      const options: AddProxyOptions = { listenPort: p.port, replay };
      p.home = this.networkThread(this.placement === 'per-link' ? name : undefined);
      await p.home.call(`re-make proxy ${name} after a crash`, (api) => api.addProxy(name, p.target, p.seed, options));
    }
  }

  private async refresh(name: string): Promise<void> {
    this.proxy(name).toxics = await this.call(name, 'toxics', (api) => api.toxics(name));
  }

  async addToxic(name: string, spec: ToxicSpec): Promise<string> {
    const added = await this.call(name, `add ${spec.type}`, (api) => api.addToxic(name, spec));
    await this.refresh(name);
    return added;
  }
  async removeToxic(name: string, toxic: string): Promise<void> {
    await this.call(name, `remove ${toxic}`, (api) => api.removeToxic(name, toxic));
    await this.refresh(name);
  }
  async updateToxic(name: string, toxic: string, attributes: Record<string, unknown>): Promise<ToxicInfo> {
    const now = await this.call(name, `update ${toxic}`, (api) => api.updateToxic(name, toxic, attributes));
    await this.refresh(name);
    return now;
  }
  toxics(name: string) { return this.call(name, 'toxics', (api) => api.toxics(name)); }
  async down(...[name, direction, how, mode]: Parameters<LinkNetwork['down']>): Promise<void> {
    await this.call(name, 'down', (api) => api.down(name, direction, how, mode));
    for (const d of directionsOf(direction)) this.proxy(name).down[d] = { how, mode };
  }
  async up(...[name, direction, mode]: Parameters<LinkNetwork['up']>): Promise<void> {
    await this.call(name, 'up', (api) => api.up(name, direction, mode));
    const p = this.proxy(name);
    for (const d of directionsOf(direction)) if (mode === undefined || p.down[d]?.mode === mode) delete p.down[d];
  }
  async hold(...[name, direction]: Parameters<LinkNetwork['hold']>): Promise<void> {
    await this.call(name, 'hold', (api) => api.hold(name, direction));
    for (const d of directionsOf(direction)) this.proxy(name).held.add(d);
  }
  async release(...[name, direction]: Parameters<LinkNetwork['release']>): Promise<void> {
    await this.call(name, 'release', (api) => api.release(name, direction));
    for (const d of directionsOf(direction)) this.proxy(name).held.delete(d);
  }
  stats(name: string) { return this.call(name, 'stats', (api) => api.stats(name)); }
  timerLateness(name: string, reset = false): Promise<LatenessStats> {
    return this.call(name, 'timer lateness', (api) => api.schedulerLateness(reset));
  }
  /** How late the network threads were around [from, to] (server threads answer for themselves). */
  async lateness(from: number, to: number): Promise<ThreadLateness[]> {
    const all = await Promise.all([this.network, ...this.perLink.values()].map((n) => n?.lateness(from, to)));
    return all.filter((x): x is ThreadLateness => x !== undefined);
  }
  /** The network threads (server threads stop their own proxies). */
  async stop(): Promise<void> {
    await Promise.all([this.network, ...this.perLink.values()].map((n) => n?.stop()));
  }
}
