// What to deploy, as plain data, from a topology and the export's options: pods (K servers
// each), every server's ports and Service name, and every server link through the proxy
// sidecar of the joining server's pod. Every manifest file is written from this one model,
// so names and ports agree across files.
import type { Topology } from '../topology/schema.ts';
import { serverLabels } from './names.ts';

/** Ports inside a pod: the j-th server of a pod listens on CRC_PORT + j, its control API on CONTROL_PORT + j. */
export const CRC_PORT = 13000;
export const CONTROL_PORT = 9100;
/** The sidecar's proxy for the j-th server's bootstrap link listens on 127.0.0.1:PROXY_LISTEN_PORT + j. */
export const PROXY_LISTEN_PORT = 14000;
/** The sidecar's HTTP API (crc-proxy and toxiproxy alike). */
export const PROXY_API_PORT = 8474;
/** Servers one pod may hold: their ports must not run into the next range. */
export const MAX_PER_POD = 100;
/** Pods one export may write (a bigger network: raise --per-pod). */
export const MAX_PODS = 10_000;

export type ProxyKind = 'crc-proxy' | 'toxiproxy';

export interface ExportOptions {
  namespace: string;
  image: string;
  perPod: number;
  proxy: ProxyKind;
  toxiproxyImage: string;
}

export interface ServerPlacement {
  id: number;
  /** the topology's name (what the endpoints file and the experiment use) */
  name: string;
  info: string;
  /** DNS label: its Service and, with one server per pod, its pod */
  label: string;
  pod: string;
  /** index within its pod */
  slot: number;
  port: number;
  controlPort: number;
  /** `<label>.<namespace>.svc` */
  host: string;
  join?: number;
}

export interface LinkPlacement {
  /** the bootstrap server (listens) */
  a: number;
  /** the joining server: dials a through the proxy in its own pod */
  b: number;
  /** proxy name in b's sidecar */
  proxy: string;
  /** where b's crc-server dials (the sidecar, on localhost) */
  listen: string;
  /** a's Service and port */
  upstream: string;
  /** b's sidecar API, reached through b's Service */
  proxyApi: string;
}

export interface PodPlacement {
  name: string;
  servers: ServerPlacement[];
  /** links whose joining server is in this pod: the sidecar's proxies (none: no sidecar) */
  links: LinkPlacement[];
}

export interface DeploymentModel {
  options: ExportOptions;
  topology: Topology;
  servers: Map<number, ServerPlacement>;
  pods: PodPlacement[];
  links: LinkPlacement[];
  /** the pod each server runs in */
  podOf(serverId: number): string;
}

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

export function buildModel(topology: Topology, options: ExportOptions): DeploymentModel {
  const { perPod, namespace } = options;
  if (!Number.isInteger(perPod) || perPod < 1 || perPod > MAX_PER_POD) throw new ExportError(`--per-pod must be from 1 to ${MAX_PER_POD}, got ${perPod}`);
  const podCount = Math.ceil(topology.servers.length / perPod);
  if (podCount > MAX_PODS) throw new ExportError(`${topology.name}: ${topology.servers.length} servers at ${perPod} a pod is ${podCount} pods, more than ${MAX_PODS}: raise --per-pod`);
  const labels = serverLabels(topology);
  const servers = new Map<number, ServerPlacement>();
  const pods: PodPlacement[] = [];
  topology.servers.forEach((s, i) => {
    const slot = i % perPod;
    if (slot === 0) pods.push({ name: perPod === 1 ? labels.get(s.id)! : `pod-${pods.length + 1}`, servers: [], links: [] });
    const pod = pods[pods.length - 1]!;
    const label = labels.get(s.id)!;
    const placed: ServerPlacement = {
      id: s.id, name: s.name, info: s.info, label, pod: pod.name, slot,
      port: CRC_PORT + slot, controlPort: CONTROL_PORT + slot, host: `${label}.${namespace}.svc`,
      ...(s.join !== undefined ? { join: s.join } : {}),
    };
    servers.set(s.id, placed);
    pod.servers.push(placed);
  });
  const links: LinkPlacement[] = [];
  for (const pod of pods) {
    for (const b of pod.servers) {
      if (b.join === undefined) continue;
      const a = servers.get(b.join)!;
      const link: LinkPlacement = {
        a: a.id, b: b.id, proxy: `${a.label}-${b.label}`,
        listen: `127.0.0.1:${PROXY_LISTEN_PORT + b.slot}`,
        upstream: `${a.host}:${a.port}`,
        proxyApi: `http://${b.host}:${PROXY_API_PORT}`,
      };
      pod.links.push(link);
      links.push(link);
    }
  }
  return { options, topology, servers, pods, links, podOf: (id) => servers.get(id)!.pod };
}
