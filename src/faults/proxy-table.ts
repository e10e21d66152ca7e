// The link proxies one worker thread hosts, by name, and the calls the coordinator makes on
// them (ProxyApi in threads/worker-api.ts). Both worker scripts serve it: proxy-host (a
// network thread) and node-host (a server's thread, hosting the proxies of the links that
// server dials: placement 'dialler').
import { readFileSync } from 'node:fs';
import type { ProxyEvent } from './events.ts';
import { type FaultChange, type FaultReply, applyChange } from './fault-state.ts';
import { type DownHow, type DownMode, type LinkFaultState, LinkProxy, type ProxyStats } from './proxy.ts';
import { type ToxicTypeInfo, listToxics } from './registry.ts';
import { type LatenessStats, schedulerLateness } from './scheduler.ts';
import type { DirectionSpec, ToxicInfo } from './toxic.ts';

/** A proxy's fault state, to put back on a proxy made again elsewhere (its first home's thread crashed). */
export type ProxyReplay = LinkFaultState;

export interface AddProxyOptions {
  listenPort?: number;
  maxQueueBytes?: number;
  /** Faults to set before the first connection, without events (they were reported when first set). */
  replay?: ProxyReplay;
}

export interface ProxyTable {
  addProxy(name: string, target: { host: string; port: number }, seed?: number, options?: AddProxyOptions): Promise<number>;
  removeProxy(name: string): Promise<void>;
  /** A validated toxic (parseToxicSpec on the caller's side: it crosses the thread as it is). */
  addToxic(name: string, toxic: ToxicInfo): string;
  removeToxic(name: string, toxic: string): void;
  /** The toxic of `toxic.name` gets `toxic`'s attributes (merged and validated by the caller: updatedToxic). */
  replaceToxic(name: string, toxic: ToxicInfo): ToxicInfo;
  toxics(name: string): ToxicInfo[];
  down(name: string, direction?: DirectionSpec, how?: DownHow, mode?: DownMode): void;
  up(name: string, direction?: DirectionSpec, mode?: DownMode): void;
  hold(name: string, direction?: DirectionSpec): void;
  release(name: string, direction?: DirectionSpec): void;
  stats(name: string): ProxyStats;
  /** The proxy's fault state (toxics, down, held): the one copy, for the coordinator to keep. */
  snapshot(name: string): LinkFaultState;
  /** Make one change and return the snapshot after it, in one call (one crossing of the thread). */
  change(name: string, change: FaultChange): FaultReply;
  allStats(): Record<string, ProxyStats>;
  toxicTypes(): ToxicTypeInfo[];
  schedulerLateness(reset?: boolean): LatenessStats;
  /** CPU time this thread has used, ns (Linux: /proc/thread-self/schedstat; elsewhere NaN): the bench's CPU per byte. */
  threadCpuNs(): number;
}

export function threadCpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** `label` names the thread in errors; `onEvent` gets every proxy's events. */
export function proxyTable(label: string, onEvent: (e: ProxyEvent) => void): { api: ProxyTable; stopAll(): Promise<void> } {
  const proxies = new Map<string, LinkProxy>();
  const proxy = (name: string): LinkProxy => {
    const p = proxies.get(name);
    if (!p) throw new Error(`${label}: no proxy '${name}' here (have: ${[...proxies.keys()].join(', ') || 'none'})`);
    return p;
  };
  const api: ProxyTable = {
    async addProxy(name, target, seed = 0, options = {}) {
      if (proxies.has(name)) throw new Error(`${label}: proxy '${name}' already exists`);
      // Replayed faults were reported when first set: mute events until they are back.
      let muted = options.replay !== undefined;
      const p = new LinkProxy({ name, target, seed, listenPort: options.listenPort ?? 0, maxQueueBytes: options.maxQueueBytes, onEvent: (e) => muted || onEvent(e) });
      proxies.set(name, p);
      try {
        if (options.replay) p.restore(options.replay);
        muted = false;
        return await p.start();
      } catch (err) {
        proxies.delete(name);
        throw err;
      }
    },
    async removeProxy(name) {
      const p = proxies.get(name);
      proxies.delete(name);
      await p?.stop();
    },
    addToxic: (name, toxic) => proxy(name).addToxic(toxic),
    removeToxic: (name, toxic) => proxy(name).removeToxic(toxic),
    replaceToxic: (name, toxic) => proxy(name).replaceToxic(toxic),
    toxics: (name) => proxy(name).toxics(),
    down: (name, direction = 'both', how = 'close', mode = 'cut') => proxy(name).down(direction, how, mode),
    up: (name, direction = 'both', mode) => proxy(name).up(direction, mode),
    hold: (name, direction = 'both') => proxy(name).hold(direction),
    release: (name, direction = 'both') => proxy(name).release(direction),
    stats: (name) => proxy(name).stats(),
    snapshot: (name) => proxy(name).snapshot(),
    change: (name, change) => applyChange(proxy(name), change),
    allStats() {
      const out: Record<string, ProxyStats> = {};
      for (const [k, p] of proxies) out[k] = p.stats();
      return out;
    },
    toxicTypes: () => listToxics(),
    schedulerLateness: (reset = false) => schedulerLateness(reset),
    threadCpuNs,
  };
  const stopAll = async () => {
    const all = [...proxies.values()];
    proxies.clear();
    await Promise.all(all.map((p) => p.stop()));
  };
  return { api, stopAll };
}
