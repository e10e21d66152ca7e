// The link proxies in one 'network' worker thread of this process (workers/proxy-host.ts),
// over comlink: the workers placement's links, and the processes placement's until the
// crc-proxy process lands (see processes.ts).
import type { ProxyEvent } from '../faults/events.ts';
import type { ProxyHostApi } from '../coordinator/worker-api.ts';
import { WorkerHandle } from '../coordinator/worker-handle.ts';
import type { Address, LinkNetwork, PlacementHooks } from './types.ts';

export class WorkerLinks implements LinkNetwork {
  readonly handle: WorkerHandle<ProxyHostApi, ProxyEvent>;

  constructor(hooks: PlacementHooks, onEvents: (events: ProxyEvent[]) => void) {
    this.handle = new WorkerHandle<ProxyHostApi, ProxyEvent>({
      kind: 'network', label: 'network', callTimeoutMs: hooks.callTimeoutMs, onEvents,
      onCrash: (_h, err) => hooks.onCrash?.(err),
    });
    this.handle.hosts.push('link proxies');
  }

  private call<T>(name: string, verb: string, fn: (api: WorkerHandle<ProxyHostApi>['api']) => Promise<T>): Promise<T> {
    return this.handle.call(`proxy ${name}: ${verb}`, fn);
  }

  async addProxy(name: string, target: Address, role: { seed: number }): Promise<Address> {
    const port = await this.call(name, 'add', (api) => api.addProxy(name, target, role.seed));
    return { host: '127.0.0.1', port };
  }
  addToxic(name: string, spec: Parameters<LinkNetwork['addToxic']>[1]) { return this.call(name, `add ${spec.type}`, (api) => api.addToxic(name, spec)); }
  removeToxic(name: string, toxic: string) { return this.call(name, `remove ${toxic}`, (api) => api.removeToxic(name, toxic)); }
  updateToxic(name: string, toxic: string, attributes: Record<string, unknown>) { return this.call(name, `update ${toxic}`, (api) => api.updateToxic(name, toxic, attributes)); }
  toxics(name: string) { return this.call(name, 'toxics', (api) => api.toxics(name)); }
  down(...[name, direction, how, mode]: Parameters<LinkNetwork['down']>) { return this.call(name, 'down', (api) => api.down(name, direction, how, mode)); }
  up(...[name, direction, mode]: Parameters<LinkNetwork['up']>) { return this.call(name, 'up', (api) => api.up(name, direction, mode)); }
  hold(...[name, direction]: Parameters<LinkNetwork['hold']>) { return this.call(name, 'hold', (api) => api.hold(name, direction)); }
  release(...[name, direction]: Parameters<LinkNetwork['release']>) { return this.call(name, 'release', (api) => api.release(name, direction)); }
  stats(name: string) { return this.call(name, 'stats', (api) => api.stats(name)); }
  stop(): Promise<void> { return this.handle.stop(); }
}
