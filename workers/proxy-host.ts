// A worker thread hosting many link proxies (fault injection between nodes). The coordinator
// drives it over comlink, like node-host:
//   new WorkerHandle<ProxyHostApi>({ kind: 'network', label: 'network', onEvents })
// Proxy events go back in batches over the raw event port (workerData.events), flushed when 512
// are waiting or 2 ms after the first.
import { parentPort, workerData } from 'node:worker_threads';
import { EventBatcher } from '../src/coordinator/event-batcher.ts';
import type { ProxyHostApi, WorkerData } from '../src/coordinator/worker-api.ts';
import type { ProxyEvent } from '../src/faults/events.ts';
import { type DownHow, type DownMode, LinkProxy, type ProxyStats } from '../src/faults/proxy.ts';
import { type ToxicTypeInfo, listToxics } from '../src/faults/registry.ts';
import { type LatenessStats, schedulerLateness } from '../src/faults/scheduler.ts';
import type { DirectionSpec, ToxicInfo, ToxicSpec } from '../src/faults/toxic.ts';
import { Comlink, nodeEndpoint } from '../src/util/comlink-node.ts';

const data = workerData as WorkerData;
const events = new EventBatcher<ProxyEvent>(data.events, data.eventTypes);
const flushEvents = () => events.flush();
const onEvent = (e: ProxyEvent) => events.push(e);

const proxies = new Map<string, LinkProxy>();

function proxy(name: string): LinkProxy {
  const p = proxies.get(name);
  if (!p) throw new Error(`${data.label}: no proxy '${name}' here (have: ${[...proxies.keys()].join(', ') || 'none'})`);
  return p;
}

const api: ProxyHostApi = {
  /** Start a proxy in front of `target` on a free port; resolves with that port. */
  async addProxy(name: string, target: { host: string; port: number }, seed = 0, options: { listenPort?: number; maxQueueBytes?: number } = {}): Promise<number> {
    if (proxies.has(name)) throw new Error(`${data.label}: proxy '${name}' already exists`);
    const p = new LinkProxy({ name, target, seed, listenPort: options.listenPort ?? 0, maxQueueBytes: options.maxQueueBytes, onEvent });
    proxies.set(name, p);
    try {
      return await p.start();
    } catch (err) {
      proxies.delete(name);
      throw err;
    }
  },
  async removeProxy(name: string): Promise<void> {
    const p = proxies.get(name);
    proxies.delete(name);
    await p?.stop();
  },
  addToxic(name: string, spec: ToxicSpec): string {
    return proxy(name).addToxic(spec);
  },
  removeToxic(name: string, toxic: string): void {
    proxy(name).removeToxic(toxic);
  },
  /** Change some of a live toxic's attributes; resolves with the toxic as it is now. */
  updateToxic(name: string, toxic: string, attributes: Record<string, unknown>): ToxicInfo {
    return proxy(name).updateToxic(toxic, attributes);
  },
  toxics(name: string): ToxicInfo[] {
    return proxy(name).toxics();
  },
  down(name: string, direction: DirectionSpec = 'both', how: DownHow = 'close', mode: DownMode = 'cut'): void {
    proxy(name).down(direction, how, mode);
  },
  up(name: string, direction: DirectionSpec = 'both', mode?: DownMode): void {
    proxy(name).up(direction, mode);
  },
  hold(name: string, direction: DirectionSpec = 'both'): void {
    proxy(name).hold(direction);
  },
  release(name: string, direction: DirectionSpec = 'both'): void {
    proxy(name).release(direction);
  },
  /** One proxy's stats, or every proxy's keyed by name. */
  stats(name: string): ProxyStats {
    return proxy(name).stats();
  },
  allStats(): Record<string, ProxyStats> {
    const out: Record<string, ProxyStats> = {};
    for (const [k, p] of proxies) out[k] = p.stats();
    return out;
  },
  toxicTypes(): ToxicTypeInfo[] {
    return listToxics();
  },
  /** How late this thread's toxic timers ran (a check on injected-delay accuracy). */
  schedulerLateness(reset = false): LatenessStats {
    return schedulerLateness(reset);
  },
  flushEvents(): void {
    flushEvents();
  },
  async stopAll(): Promise<void> {
    const all = [...proxies.values()];
    proxies.clear();
    await Promise.all(all.map((p) => p.stop()));
    flushEvents();
  },
};

Comlink.expose(api, nodeEndpoint(parentPort! as never));
