// Picks the ServerHost for a placement kind: the one place that knows every placement.
import { ExternalServers } from './external.ts';
import type { Endpoints } from './endpoints.ts';
import { ProcessServers } from './processes.ts';
import type { PlacementHooks, PlacementKind, ServerHost } from './types.ts';
import { WorkerServers } from './workers.ts';

export { PLACEMENTS, type Address, type LinkNetwork, type PlacementKind, type ServerHost } from './types.ts';

export interface PlacementOptions {
  placement?: PlacementKind;
  /** Servers per worker thread (workers placement). */
  serversPerWorker?: number;
  /** Where the servers and proxies are (external placement: required). */
  endpoints?: Endpoints;
}

export function createServerHost(options: PlacementOptions, hooks: PlacementHooks): ServerHost {
  switch (options.placement ?? 'workers') {
    case 'workers':
      return new WorkerServers(hooks, options.serversPerWorker);
    case 'processes':
      return new ProcessServers(hooks);
    case 'external':
      if (!options.endpoints) throw new Error('placement external needs an endpoints file (--endpoints FILE)');
      return new ExternalServers(options.endpoints, hooks);
  }
}
