// The network between the hosts: every link (a server and its bootstrap, or a client and its
// server), the fault proxies in front of the proxied ones (where they run: ProxyPlacement), the
// fault state of each link held as data per direction, link controls, partition / heal, and
// which servers can still reach each other. It never touches the knowledge model: it reports
// every down and up to one listener (the Simulation), which tells the Ledger.
import type { ProxyEvent } from '../faults/events.ts';
import type { DownHow, DownMode, ProxyStats } from '../faults/proxy.ts';
import { type Direction, type DirectionSpec, type ToxicInfo, type ToxicSpec, directionsOf } from '../faults/toxic.ts';
import type { AddProxyOptions, ProxyReplay } from '../faults/proxy-table.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import type { Comlink } from '../util/comlink-node.ts';
import type { ProxyApi } from './worker-api.ts';
import type { World } from './world.ts';

/** A link: `child` dialled `parent` (a server its bootstrap, or a client its server). Upstream = child to parent. */
export interface LinkInfo {
  kind: 'server' | 'client';
  child: number;
  parent: number;
  /** the proxy's name when the link is proxied */
  proxy?: string;
}

/** One direction of a link: down ('cut' or 'silent'), or held. */
export interface DirectionFaults {
  down: DownMode | undefined;
  held: boolean;
}

/** What has been done to a link, as data. */
export interface LinkFaults {
  /** 'close' / 'reset' while a direction is down in mode 'cut' (its connections cut, new ones refused). */
  cut: DownHow | undefined;
  upstream: DirectionFaults;
  downstream: DirectionFaults;
  /** names of the toxics added and not removed */
  toxics: string[];
}

/** Controls for one link, as `sim.link(a, b)` returns them. Directions: upstream = child to parent. */
export interface LinkControl {
  readonly info: LinkInfo;
  /** The link's fault state now (a copy). */
  faults(): LinkFaults;
  add(toxic: ToxicSpec): Promise<string>;
  remove(name: string): Promise<void>;
  /** Change some attributes of a live toxic (validated by its schema); resolves with the toxic as it is now. */
  update(name: string, attributes: Record<string, unknown>): Promise<ToxicInfo>;
  toxics(): Promise<ToxicInfo[]>;
  /** Down one way or both (default), 'cut' (default) or 'silent'; see LinkProxy.down. */
  down(direction?: DirectionSpec, how?: DownHow, mode?: DownMode): Promise<void>;
  /** Up one way or both (default); with `mode`, only where it is down that way. */
  up(direction?: DirectionSpec, mode?: DownMode): Promise<void>;
  hold(direction?: DirectionSpec): Promise<void>;
  release(direction?: DirectionSpec): Promise<void>;
  stats(): Promise<ProxyStats>;
  /** How late the toxic timers of the thread hosting this link's proxy ran (since the last reset). */
  timerLateness(reset?: boolean): Promise<LatenessStats>;
}

/** A link went down or came up, one way or both: what it is now. */
export type LinkChange = { link: LinkInfo; faults: LinkFaults };

/** Is a direction of the link cut (its connections closed, new ones refused)? */
export const isCut = (f: LinkFaults): boolean => f.upstream.down === 'cut' || f.downstream.down === 'cut';
/** Is a direction of the link silent (and none cut)? Only liveness can find it. */
export const isSilent = (f: LinkFaults): boolean => !isCut(f) && (f.upstream.down === 'silent' || f.downstream.down === 'silent');

/**
 * Where the proxies of server links run. 'dialler' (default): in the thread of the server that
 * dials the link, so bytes cross no extra thread (results/proxy.md: it costs least); when that
 * thread crashes its proxies are made again, on the same ports and with the same faults, in the
 * network thread, where they stay. 'network': all in one network worker thread. 'per-link': a
 * network thread per proxy. Clients' proxies always run in the network thread.
 */
export type ProxyPlacement = 'dialler' | 'network' | 'per-link';
export const PROXY_PLACEMENTS: readonly ProxyPlacement[] = ['dialler', 'network', 'per-link'];

/** What Links calls a proxy through: any worker serving ProxyApi. */
interface ProxyHome {
  readonly alive: boolean;
  call<T>(what: string, fn: (api: Comlink.Remote<ProxyApi>) => Promise<T>): Promise<T>;
}

export interface LinksOptions {
  /** Where the proxies run (default 'network'). */
  proxyPlacement?: ProxyPlacement;
  /** 'all' or a list of [serverA, serverB] links to route through proxies. Default none. */
  proxyLinks?: 'all' | Array<[number, number]>;
  /** 'all' or client ids whose link to their server goes through a proxy. Default none. */
  proxyClients?: 'all' | number[];
  /** Seeds every proxy's toxics. Default 1. */
  seed?: number;
  onProxyEvent?: (e: ProxyEvent) => void;
  /** Names hosts in errors. */
  nameOf?: (id: number) => string;
}

interface Entry {
  info: LinkInfo;
  /** the port the child dials: the proxy's, when proxied */
  dialPort?: number;
  /** the port the proxy forwards to */
  targetPort?: number;
  faults: LinkFaults;
  /** the proxy's toxics as they are now (to make it again when its thread crashes) */
  toxicInfos: ToxicInfo[];
}

export const linkKey = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);

const noFaults = (): LinkFaults => ({ cut: undefined, upstream: { down: undefined, held: false }, downstream: { down: undefined, held: false }, toxics: [] });

export class Links {
  /** Told of every cut and repair: the one place the knowledge model hears of them. */
  onChange: ((change: LinkChange) => void) | undefined;
  private readonly table = new Map<string, Entry>();
  /** The thread hosting each proxy, by proxy name. */
  private readonly proxyHosts = new Map<string, ProxyHome>();
  /** Placement 'dialler': the network thread, started with the first proxy. */
  private networkStarted: Promise<unknown> | undefined;
  private partitioned: LinkInfo[] = [];
  private readonly nameOf: (id: number) => string;

  constructor(private readonly world: World, private readonly options: LinksOptions = {}) {
    this.nameOf = options.nameOf ?? String;
  }

  isProxied(a: number, b: number): boolean {
    const p = this.options.proxyLinks;
    if (p === undefined) return false;
    if (p === 'all') return true;
    return p.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  }

  isProxiedClient(id: number): boolean {
    const p = this.options.proxyClients;
    return p === 'all' || (Array.isArray(p) && p.includes(id));
  }

  /** Record server `child`'s link to `parent` (listening on `parentPort`); resolves with the port `child` dials. */
  async addServerLink(child: number, parent: number, parentPort: number): Promise<number> {
    const info: LinkInfo = { kind: 'server', child, parent };
    const entry: Entry = { info, faults: noFaults(), toxicInfos: [] };
    if (this.isProxied(child, parent)) {
      info.proxy = `link-${child}-${parent}`;
      entry.targetPort = parentPort;
      const dialler = (this.options.proxyPlacement ?? 'dialler') === 'dialler' ? this.world.handleOf(this.nameOf(child)) : undefined;
      // The network thread a crashed dialler's proxies move to is started now, not during the
      // crash: a thread start costs a core for a while, which would slow the nodes' convergence.
      if (dialler) this.networkStarted ??= this.networkHome('').call('start the network thread', (api) => api.toxicTypes());
      entry.dialPort = await this.addProxy(info.proxy, parentPort, `proxy for ${this.nameOf(child)}`, dialler);
      await this.networkStarted;
    }
    this.table.set(linkKey(child, parent), entry);
    return entry.dialPort ?? parentPort;
  }

  /** The port client `id` dials to reach `server`: a proxy made once (a rejoining client reuses it), or the server's own. */
  async clientPort(id: number, server: number, serverPort: number): Promise<number> {
    if (!this.isProxiedClient(id)) return serverPort;
    const known = this.table.get(linkKey(id, server));
    if (known?.dialPort !== undefined) return known.dialPort;
    const info: LinkInfo = { kind: 'client', child: id, parent: server, proxy: `client-${id}-${server}` };
    const dialPort = await this.addProxy(info.proxy!, serverPort, `proxy for client ${this.nameOf(id)}`);
    this.table.set(linkKey(id, server), { info, dialPort, targetPort: serverPort, faults: noFaults(), toxicInfos: [] });
    return dialPort;
  }

  /** The port server `child` dials to reach its bootstrap, when that link is proxied. */
  dialPort(child: number, parent: number): number | undefined {
    return this.table.get(linkKey(child, parent))?.dialPort;
  }

  /** Start a proxy in `home` (default: per the placement, a network thread). */
  private addProxy(name: string, targetPort: number, what: string, home?: ProxyHome, options: AddProxyOptions = {}): Promise<number> {
    const host = home ?? this.networkHome(name);
    this.proxyHosts.set(name, host);
    return host.call(what, (api) => api.addProxy(name, { host: '127.0.0.1', port: targetPort }, this.options.seed ?? 1, options));
  }

  private networkHome(name: string): ProxyHome {
    const onEvents = (events: ProxyEvent[]) => {
      for (const e of events) this.options.onProxyEvent?.(e);
    };
    return this.options.proxyPlacement === 'per-link' ? this.world.networkWorker(onEvents, name) : this.world.networkWorker(onEvents);
  }

  /**
   * After a crash: the proxies whose thread died (placement 'dialler') are made again in the
   * network thread, on the same ports, with their toxics, downs and holds, so the link's faults
   * outlive the crash as they would in a network thread (what was in flight inside them is
   * lost, as in the crashed host's own buffers).
   */
  async rehomeOrphans(): Promise<void> {
    for (const entry of this.table.values()) {
      const name = entry.info.proxy;
      if (name === undefined || this.proxyHosts.get(name)?.alive !== false) continue;
      const { faults } = entry;
      const replay: ProxyReplay = { toxics: entry.toxicInfos, down: {}, held: [] };
      for (const d of ['upstream', 'downstream'] as const) {
        const mode = faults[d].down;
        if (mode !== undefined) replay.down[d] = { how: faults.cut ?? 'close', mode };
        if (faults[d].held) replay.held.push(d);
      }
      await this.addProxy(name, entry.targetPort!, `re-make proxy ${name} after a crash`, this.networkHome(name), { listenPort: entry.dialPort, replay });
    }
  }

  /** Every link: server-to-server, and the proxied clients' links. */
  list(): LinkInfo[] {
    return [...this.table.values()].map((e) => ({ ...e.info }));
  }

  /** Controls for the link between a and b (either order). It must be proxied. */
  control(a: number, b: number): LinkControl {
    const entry = this.table.get(linkKey(a, b));
    if (!entry) throw new Error(`no link between ${this.nameOf(a)} (${a}) and ${this.nameOf(b)} (${b})`);
    const { info, faults } = entry;
    if (!info.proxy || !this.proxyHosts.has(info.proxy)) {
      throw new Error(`the link ${this.nameOf(info.child)}-${this.nameOf(info.parent)} is direct; start the simulation with ${info.kind === 'client' ? 'proxyClients' : 'proxyLinks'} to inject faults on it`);
    }
    const name = info.proxy;
    const what = `link ${info.child}-${info.parent}`;
    // Looked up at each call: a crash may have moved the proxy.
    const call = <T>(verb: string, fn: (api: Comlink.Remote<ProxyApi>) => Promise<T>) => this.proxyHosts.get(name)!.call(`${what}: ${verb}`, fn);
    const refresh = async () => {
      entry.toxicInfos = await call('toxics', (api) => api.toxics(name));
    };
    const held = (direction: DirectionSpec, on: boolean) => {
      for (const d of directionsOf(direction)) faults[d as Direction].held = on;
    };
    const changed = () => this.onChange?.({ link: { ...info }, faults: structuredClone(faults) });
    return {
      info: { ...info },
      faults: () => structuredClone(faults),
      add: async (toxic) => {
        const added = await call(`add ${toxic.type}`, (api) => api.addToxic(name, toxic));
        faults.toxics.push(added);
        await refresh();
        return added;
      },
      remove: async (toxic) => {
        await call(`remove ${toxic}`, (api) => api.removeToxic(name, toxic));
        faults.toxics = faults.toxics.filter((t) => t !== toxic);
        await refresh();
      },
      update: async (toxic, attributes) => {
        const now = await call(`update ${toxic}`, (api) => api.updateToxic(name, toxic, attributes));
        await refresh();
        return now;
      },
      toxics: () => call('toxics', (api) => api.toxics(name)),
      down: async (direction = 'both', how = 'close', mode = 'cut') => {
        await call('down', (api) => api.down(name, direction, how, mode));
        for (const d of directionsOf(direction)) faults[d].down = mode;
        if (mode === 'cut') faults.cut = how;
        else if (!isCut(faults)) faults.cut = undefined; // silent over what was cut
        changed();
      },
      up: async (direction = 'both', mode) => {
        await call('up', (api) => api.up(name, direction, mode));
        for (const d of directionsOf(direction)) if (mode === undefined || faults[d].down === mode) faults[d].down = undefined;
        if (!isCut(faults)) faults.cut = undefined;
        changed();
      },
      hold: async (direction = 'both') => {
        await call('hold', (api) => api.hold(name, direction));
        held(direction, true);
      },
      release: async (direction = 'both') => {
        await call('release', (api) => api.release(name, direction));
        held(direction, false);
      },
      stats: () => call('stats', (api) => api.stats(name)),
      timerLateness: (reset = false) => call('timer lateness', (api) => api.schedulerLateness(reset)),
    };
  }

  /**
   * Split the servers into groups: every server link between two groups goes down both ways,
   * in `mode`: 'cut' closes its connections, so each side forgets the other at once; 'silent'
   * leaves them open and drops their bytes, so only liveness can find it. Servers not named
   * form one more group. `isServer` says which ids may be named.
   */
  async partition(groups: number[][], isServer: (id: number) => boolean, mode: DownMode = 'cut'): Promise<LinkInfo[]> {
    const groupOf = new Map<number, number>();
    groups.forEach((g, i) => {
      for (const id of g) {
        if (!isServer(id)) throw new Error(`partition: no server with id ${id}`);
        if (groupOf.has(id)) throw new Error(`partition: server ${id} is in two groups`);
        groupOf.set(id, i);
      }
    });
    await this.heal();
    const cut = this.list().filter((l) => l.kind === 'server' && (groupOf.get(l.child) ?? -1) !== (groupOf.get(l.parent) ?? -1));
    for (const l of cut) await this.control(l.child, l.parent).down('both', 'close', mode);
    this.partitioned = cut;
    return cut;
  }

  /** Bring back every link a partition cut. */
  async heal(): Promise<void> {
    const cut = this.partitioned;
    this.partitioned = [];
    for (const l of cut) await this.control(l.child, l.parent).up('both');
  }

  /**
   * Which of `servers` can still reach each other over the server links for which `isDown`
   * says no (default: those not cut): a component id per server, or undefined when they are
   * all one network.
   */
  components(servers: Iterable<number>, isDown: (link: LinkInfo, faults: LinkFaults) => boolean = (_l, f) => isCut(f)): Map<number, number> | undefined {
    const parent = new Map<number, number>([...servers].map((id) => [id, id]));
    const find = (x: number): number => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const { info, faults } of this.table.values()) {
      if (info.kind !== 'server' || isDown(info, faults) || !parent.has(info.child) || !parent.has(info.parent)) continue;
      parent.set(find(info.child), find(info.parent));
    }
    const sides = new Map([...parent.keys()].map((id) => [id, find(id)]));
    return new Set(sides.values()).size > 1 ? sides : undefined;
  }
}
