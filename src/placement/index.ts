// Picks the ServerHost for a placement kind: the one place that knows every placement.
import { ExternalServers } from './external.ts';
import type { Endpoints } from './endpoints.ts';
import { ProcessServers } from './processes.ts';
import type { PlacementHooks, PlacementKind, ServerHost } from './types.ts';
import type { ProxyPlacement } from './worker-links.ts';
import { WorkerServers } from './workers.ts';

export { PROXY_PLACEMENTS, type ProxyPlacement } from './worker-links.ts';
export { PLACEMENTS, type Address, type LinkNetwork, type PlacementKind, type ServerHost } from './types.ts';

export interface PlacementOptions {
  placement?: PlacementKind;
  /** Servers per worker thread (workers placement). */
  serversPerWorker?: number;
  /** Where the link proxies run (workers placement; default 'dialler'). */
  proxyPlacement?: ProxyPlacement;
  /** Where the servers and proxies are (external placement: required). */
  endpoints?: Endpoints;
}

export function createServerHost(options: PlacementOptions, hooks: PlacementHooks): ServerHost {
  switch (options.placement ?? 'workers') {
    case 'workers':
      return new WorkerServers(hooks, options.serversPerWorker, options.proxyPlacement);
    case 'processes':
      if (hooks.knowledge === 'digest') throw new Error("knowledge 'digest' needs the workers placement");
      return new ProcessServers(hooks);
    case 'external':
      if (!options.endpoints) throw new Error('placement external needs an endpoints file (--endpoints FILE)');
      return new ExternalServers(options.endpoints, hooks);
  }
}
