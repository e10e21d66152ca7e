// configmap.yaml: the topology, the experiment the Job runs (naming the topology by its path in
// the mounted config map, so the image needs no file of the user's), the endpoints file and each
// sidecar's proxies, as JSON.
import { endpointsDoc, populateDoc, proxiesKey } from './endpoints.ts';
import { type DeploymentModel, ExportError } from './model.ts';

export const CONFIG_MAP = 'crc-sim';
export const CONFIG_DIR = '/etc/crc-sim';
export const TOPOLOGY_KEY = 'topology.json';
/** etcd's limit for one object; kubectl apply fails past it, so fail here with the reason. */
const MAX_CONFIG_BYTES = 1_000_000;

/**
 * JSON with one array element a line: as readable in `kubectl get configmap -o yaml` as
 * indented JSON, at half the bytes (a config map holds at most 1 MB).
 */
export function jsonLines(v: unknown): string {
  const list = (a: unknown[], indent: string) => (a.length ? `[\n${a.map((x) => `${indent}  ${JSON.stringify(x)}`).join(',\n')}\n${indent}]` : '[]');
  if (Array.isArray(v)) return `${list(v, '')}\n`;
  if (typeof v !== 'object' || v === null) return `${JSON.stringify(v)}\n`;
  const fields = Object.entries(v).map(([k, x]) => `  ${JSON.stringify(k)}: ${Array.isArray(x) ? list(x, '  ') : JSON.stringify(x)}`);
  return `{\n${fields.join(',\n')}\n}\n`;
}

export function configMapObject(m: DeploymentModel, experimentDoc: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, string> = {
    [TOPOLOGY_KEY]: jsonLines(m.topology),
    // The experiment names the topology by its path in the mounted config map (one copy of it).
    'experiment.json': jsonLines({ ...experimentDoc, topology: `${CONFIG_DIR}/${TOPOLOGY_KEY}` }),
    'endpoints.json': jsonLines(endpointsDoc(m)),
  };
  for (const pod of m.pods) if (pod.links.length) data[proxiesKey(pod.name)] = jsonLines(populateDoc(pod.links));
  const bytes = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
  if (bytes > MAX_CONFIG_BYTES) throw new ExportError(`the config map would hold ${bytes} bytes, more than the ${MAX_CONFIG_BYTES} one Kubernetes object may: export a smaller topology (${m.topology.servers.length} servers)`);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CONFIG_MAP, namespace: m.options.namespace, labels: { 'app.kubernetes.io/name': 'crc-sim' } },
    data,
  };
}
