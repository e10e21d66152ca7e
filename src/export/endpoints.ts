// The files the config map carries for the processes at run time: the endpoints file that
// `--placement external` reads (its schema: src/placement/endpoints.ts) and each sidecar's populate JSON
// (toxiproxy's `-config` format, read by crc-proxy's `--config` too).
import type { DeploymentModel } from './model.ts';

export interface EndpointsDoc {
  servers: Array<{ name: string; host: string; port: number; control: string }>;
  links: Array<{ a: string; b: string; proxyApi: string; proxy: string }>;
  clientHost: string;
}

export function endpointsDoc(m: DeploymentModel): EndpointsDoc {
  const name = (id: number) => m.servers.get(id)!.name;
  return {
    servers: [...m.servers.values()].map((s) => ({ name: s.name, host: s.host, port: s.port, control: `http://${s.host}:${s.controlPort}` })),
    links: m.links.map((l) => ({ a: name(l.a), b: name(l.b), proxyApi: l.proxyApi, proxy: l.proxy })),
    clientHost: '0.0.0.0',
  };
}

export interface PopulateEntry { name: string; listen: string; upstream: string; enabled: boolean }

/** The proxies of one pod's sidecar. */
export function populateDoc(links: DeploymentModel['links']): PopulateEntry[] {
  return links.map((l) => ({ name: l.proxy, listen: l.listen, upstream: l.upstream, enabled: true }));
}

/** The config map key of a pod's populate file. */
export const proxiesKey = (pod: string) => `proxies-${pod}.json`;
