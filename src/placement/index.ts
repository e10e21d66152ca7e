// Picks the ServerHost for a placement kind: the one place that knows every placement.
import { ExternalServers } from './external.ts';
import { ForeignServers } from './foreign.ts';
import { HostServers, checkHostCount } from './hosts.ts';
import { MixedServers } from './mixed.ts';
import type { Endpoints } from './endpoints.ts';
import { ProcessServers } from './processes.ts';
import type { PlacementHooks, PlacementKind, ServerHost } from './types.ts';
import type { ProxyPlacement } from './worker-links.ts';
import { WorkerServers } from './workers.ts';

export { PROXY_PLACEMENTS, type ProxyPlacement } from './worker-links.ts';
export { MAX_HOST_PROCESSES, checkHostCount } from './hosts.ts';
export type { HostMemory } from './host-wire.ts';
export { PLACEMENTS, type Address, type LinkNetwork, type PlacementKind, type ServerHost } from './types.ts';

export interface PlacementOptions {
  placement?: PlacementKind;
  /** Servers per worker thread (workers placement). */
  serversPerWorker?: number;
  /** Where the link proxies run (workers placement; default 'dialler'). */
  proxyPlacement?: ProxyPlacement;
  /** Node processes (hosts placement; default 2). */
  hosts?: number;
  /** Node flags for each node process (hosts placement), e.g. ['--max-semi-space-size=2']. */
  hostNodeArgs?: string[];
  /** Where the servers and proxies are (external placement: required). */
  endpoints?: Endpoints;
  /** Some servers are foreign (their spec has an impl): ours go on `placement`, those on ForeignServers. */
  foreign?: boolean;
  /** Whether an id is a server or a client, as the coordinator knows (for foreign records it cannot tell). */
  hostKind?: (id: number) => 'server' | 'client' | undefined;
}

export function createServerHost(options: PlacementOptions, hooks: PlacementHooks): ServerHost {
  if (!options.foreign) return oursOn(options, hooks);
  if (options.placement === 'external') throw new Error('foreign servers (impl) run on this machine: not with placement external');
  if (hooks.knowledge === 'digest') throw new Error("knowledge 'digest' needs every server ours: foreign servers report one event per host");
  return new MixedServers(oursOn(options, hooks), new ForeignServers(hooks, options.hostKind));
}

function oursOn(options: PlacementOptions, hooks: PlacementHooks): ServerHost {
  switch (options.placement ?? 'workers') {
    case 'workers':
      return new WorkerServers(hooks, options.serversPerWorker, options.proxyPlacement);
    case 'processes':
      if (hooks.knowledge === 'digest') throw new Error("knowledge 'digest' needs the workers placement");
      return new ProcessServers(hooks);
    case 'hosts':
      // The processes' threads report their heap as live bytes when this process can too.
      return new HostServers(hooks, {
        processes: checkHostCount(options.hosts ?? 2), serversPerWorker: options.serversPerWorker ?? 1, proxyPlacement: options.proxyPlacement,
        nodeArgs: [...process.execArgv.filter((a) => a === '--expose-gc'), ...(options.hostNodeArgs ?? [])],
      });
    case 'external':
      if (!options.endpoints) throw new Error('placement external needs an endpoints file (--endpoints FILE)');
      return new ExternalServers(options.endpoints, hooks);
  }
}
