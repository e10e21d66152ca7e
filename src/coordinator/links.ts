// The network between the hosts: every link (a server and its bootstrap, or a client and its
// server), the fault proxies in front of the proxied ones (wherever the placement runs them), the
// fault state of each link (the proxy's snapshot, as the placement returns it with each change),
// link controls, partition / heal, and which servers can still reach each other. It never
// touches the knowledge model: it reports every down and up to one listener (the Simulation),
// which tells the Ledger.
import type { ProxyEvent } from '../faults/events.ts';
import { type FaultChange, type LinkFaultState, noFaultState } from '../faults/fault-state.ts';
import type { DownHow, DownMode, ProxyStats } from '../faults/proxy.ts';
import { updatedToxic } from '../faults/registry.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import { DIRECTIONS, type DirectionSpec, type ToxicInfo } from '../faults/toxic.ts';
import type { Address, LinkNetwork } from '../placement/index.ts';
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

/** What has been done to a link, as data: a view of its proxy's last snapshot (linkFaultsOf). */
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
  /** Add a validated toxic (parseToxicSpec a flat spec where it enters); resolves with its name. */
  add(toxic: ToxicInfo): Promise<string>;
  remove(name: string): Promise<void>;
  /** Change some attributes of a live toxic (merged with the link's snapshot and validated here, once); resolves with the toxic as it is now. */
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

/** The view of a proxy's snapshot the knowledge model and checks read. `cut`: as the proxy refuses (its first cut direction's how). */
export function linkFaultsOf(state: LinkFaultState): LinkFaults {
  const cutAt = DIRECTIONS.find((d) => state.down[d]?.mode === 'cut');
  const dir = (d: 'upstream' | 'downstream'): DirectionFaults => ({ down: state.down[d]?.mode, held: state.held.includes(d) });
  return { cut: cutAt && state.down[cutAt]!.how, upstream: dir('upstream'), downstream: dir('downstream'), toxics: state.toxics.map((t) => t.name) };
}

export interface LinksOptions {
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
  /** where the child dials: the proxy, when proxied */
  dial?: Address;
  /** the proxy's snapshot, as the placement returned it after the last change (never edited here) */
  faults: LinkFaultState;
}

export const linkKey = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);

export class Links {
  /** Told of every cut and repair: the one place the knowledge model hears of them. */
  onChange: ((change: LinkChange) => void) | undefined;
  private readonly table = new Map<string, Entry>();
  private network: LinkNetwork | undefined;
  private partitioned: LinkInfo[] = [];
  private readonly nameOf: (id: number) => string;

  constructor(private readonly world: Pick<World, 'links'>, private readonly options: LinksOptions = {}) {
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

  /** Record server `child`'s link to `parent` (listening at `parentAt`); resolves with where `child` dials. */
  async addServerLink(child: number, parent: number, parentAt: Address): Promise<Address> {
    const info: LinkInfo = { kind: 'server', child, parent };
    const entry: Entry = { info, faults: noFaultState() };
    if (this.isProxied(child, parent)) {
      info.proxy = `link-${child}-${parent}`;
      entry.dial = await this.addProxy(info.proxy, parentAt, child, parent);
    }
    this.table.set(linkKey(child, parent), entry);
    return entry.dial ?? parentAt;
  }

  /** Where client `id` dials to reach `server`: a proxy made once (a rejoining client reuses it), or the server itself. */
  async clientAddress(id: number, server: number, serverAt: Address): Promise<Address> {
    if (!this.isProxiedClient(id)) return serverAt;
    const known = this.table.get(linkKey(id, server));
    if (known?.dial !== undefined) return known.dial;
    const info: LinkInfo = { kind: 'client', child: id, parent: server, proxy: `client-${id}-${server}` };
    const dial = await this.addProxy(info.proxy!, serverAt, id, server);
    this.table.set(linkKey(id, server), { info, dial, faults: noFaultState() });
    return dial;
  }

  /** Where server `child` dials to reach its bootstrap, when that link is proxied. */
  dialAddress(child: number, parent: number): Address | undefined {
    return this.table.get(linkKey(child, parent))?.dial;
  }

  private addProxy(name: string, target: Address, child: number, parent: number): Promise<Address> {
    this.network ??= this.world.links((events) => {
      for (const e of events) this.options.onProxyEvent?.(e);
    });
    return this.network.addProxy(name, target, { child: this.nameOf(child), parent: this.nameOf(parent), seed: this.options.seed ?? 1 });
  }

  /** Every link: server-to-server, and the proxied clients' links. */
  list(): LinkInfo[] {
    return [...this.table.values()].map((e) => ({ ...e.info }));
  }

  /** After a crash: the proxies that died with their host are made again (placements that host proxies with servers). */
  async rehomeOrphans(): Promise<void> {
    const byProxy = new Map([...this.table.values()].filter((e) => e.info.proxy).map((e) => [e.info.proxy!, e.faults]));
    await this.network?.rehomeOrphans?.((name) => byProxy.get(name));
  }

  /** Controls for the link between a and b (either order). It must be proxied. */
  control(a: number, b: number): LinkControl {
    const entry = this.table.get(linkKey(a, b));
    if (!entry) throw new Error(`no link between ${this.nameOf(a)} (${a}) and ${this.nameOf(b)} (${b})`);
    const { info } = entry;
    if (!info.proxy || !this.network) {
      throw new Error(`the link ${this.nameOf(info.child)}-${this.nameOf(info.parent)} is direct; start the simulation with ${info.kind === 'client' ? 'proxyClients' : 'proxyLinks'} to inject faults on it`);
    }
    const net = this.network;
    const name = info.proxy;
    const what = `link ${info.child}-${info.parent}`;
    const call = <T>(verb: string, fn: (n: LinkNetwork) => Promise<T>) => fn(net).catch((err: Error) => {
      throw new Error(`${what}: ${verb}: ${err.message}`);
    });
    // Each change comes back with the proxy's snapshot: kept as is, the one copy here.
    const change = async (verb: string, c: FaultChange) => {
      const reply = await call(verb, (n) => n.change(name, c));
      entry.faults = reply.faults;
      return reply;
    };
    const changed = () => this.onChange?.({ link: { ...info }, faults: linkFaultsOf(entry.faults) });
    const toxicOf = (reply: { toxic?: ToxicInfo }, verb: string): ToxicInfo => {
      if (!reply.toxic) throw new Error(`${what}: ${verb}: the placement did not return the toxic`);
      return reply.toxic;
    };
    return {
      info: { ...info },
      faults: () => linkFaultsOf(entry.faults),
      add: async (toxic) => toxicOf(await change(`add ${toxic.type}`, { op: 'add', toxic }), 'add').name,
      remove: async (toxic) => void await change(`remove ${toxic}`, { op: 'remove', toxic }),
      update: async (toxic, attributes) => {
        const old = entry.faults.toxics.find((t) => t.name === toxic);
        if (!old) throw new Error(`${what}: update ${toxic}: no toxic named "${toxic}" (has: ${entry.faults.toxics.map((t) => t.name).join(', ') || 'none'})`);
        return toxicOf(await change(`update ${toxic}`, { op: 'replace', toxic: updatedToxic(old, attributes, what) }), 'update');
      },
      toxics: () => call('toxics', (n) => n.toxics(name)),
      down: async (direction = 'both', how = 'close', mode = 'cut') => {
        await change('down', { op: 'down', direction, how, mode });
        changed();
      },
      up: async (direction = 'both', mode) => {
        await change('up', mode === undefined ? { op: 'up', direction } : { op: 'up', direction, mode });
        changed();
      },
      hold: async (direction = 'both') => void await change('hold', { op: 'hold', direction }),
      release: async (direction = 'both') => void await change('release', { op: 'release', direction }),
      stats: () => call('stats', (n) => n.stats(name)),
      timerLateness: (reset = false) => call('timer lateness', (n) => {
        if (!n.timerLateness) throw new Error('this placement cannot tell its proxies\' timer lateness');
        return n.timerLateness(name, reset);
      }),
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
      if (info.kind !== 'server' || isDown(info, linkFaultsOf(faults)) || !parent.has(info.child) || !parent.has(info.parent)) continue;
      parent.set(find(info.child), find(info.parent));
    }
    const sides = new Map([...parent.keys()].map((id) => [id, find(id)]));
    return new Set(sides.values()).size > 1 ? sides : undefined;
  }
}
