// The link proxies of the workers placement, over comlink, and where each one runs
// (ProxyPlacement). 'dialler' (default): in the thread of the server that dials the link, so
// its bytes cross no extra thread (results/proxy.md: it costs least); when that thread crashes
// its proxies are made again, on the same ports and with the same faults, in the network
// thread, where they stay. 'network': all in one network thread (workers/proxy-host.ts).
// 'per-link': a network thread per proxy. Clients' proxies always run in the network thread.
import type { ProxyEvent } from '../faults/events.ts';
import type { FaultChange, FaultReply, LinkFaultState } from '../faults/fault-state.ts';
import type { AddProxyOptions } from '../faults/proxy-table.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import type { Comlink } from '../util/comlink-node.ts';
import type { ProxyApi, ProxyHostApi } from '../threads/worker-api.ts';
import { WorkerHandle } from '../threads/worker-handle.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { Address, LinkNetwork, PlacementHooks, ProxyRole } from './types.ts';

export type ProxyPlacement = 'dialler' | 'network' | 'per-link';
export const PROXY_PLACEMENTS: readonly ProxyPlacement[] = ['dialler', 'network', 'per-link'];

/** A thread serving ProxyApi: a server thread (NodeHostApi) or a network thread. */
export interface ProxyHome {
  readonly alive: boolean;
  call<T>(what: string, fn: (api: Comlink.Remote<ProxyApi>) => Promise<T>): Promise<T>;
}

/** A proxy as the coordinator made it (its faults are the coordinator's: Links keeps them). */
interface Placed {
  home: ProxyHome;
  target: Address;
  port: number;
  seed: number;
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
    this.placed.set(name, { home, target, port, seed: role.seed });
    return { host: '127.0.0.1', port };
  }

  /**
   * After a crash: the proxies whose thread died are made again in the network thread, on the
   * same ports, with the faults `faultsOf` names (the last snapshot Links was given), so a
   * link's faults outlive the crash as they would in a network thread (what was in flight
   * inside them is lost, as in the crashed host's own buffers).
   */
  async rehomeOrphans(faultsOf: (name: string) => LinkFaultState | undefined): Promise<void> {
    for (const [name, p] of this.placed) {
      if (p.home.alive) continue;
      const options: AddProxyOptions = { listenPort: p.port, replay: faultsOf(name) };
      p.home = this.networkThread(this.placement === 'per-link' ? name : undefined);
      await p.home.call(`re-make proxy ${name} after a crash`, (api) => api.addProxy(name, p.target, p.seed, options));
    }
  }

  /** One call to the proxy's thread: the change, and the snapshot after it. */
  change(name: string, change: FaultChange): Promise<FaultReply> {
    return this.call(name, change.op, (api) => api.change(name, change));
  }
  toxics(name: string) { return this.call(name, 'toxics', (api) => api.toxics(name)); }
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
