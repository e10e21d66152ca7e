// configmap.yaml: the topology, the experiment the Job runs (its topology inlined, so the image
// needs no file of the user's), the endpoints file and each sidecar's proxies, as JSON.
import { endpointsDoc, populateDoc, proxiesKey } from './endpoints.ts';
import { type DeploymentModel, ExportError } from './model.ts';

export const CONFIG_MAP = 'crc-sim';
export const CONFIG_DIR = '/etc/crc-sim';
/** etcd's limit for one object; kubectl apply fails past it, so fail here with the reason. */
const MAX_CONFIG_BYTES = 1_000_000;

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export function configMapObject(m: DeploymentModel, experimentDoc: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, string> = {
    'topology.json': json(m.topology),
    'experiment.json': json(experimentDoc),
    'endpoints.json': json(endpointsDoc(m)),
  };
  for (const pod of m.pods) if (pod.links.length) data[proxiesKey(pod.name)] = json(populateDoc(pod.links));
  const bytes = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
  if (bytes > MAX_CONFIG_BYTES) throw new ExportError(`the config map would hold ${bytes} bytes, more than Kubernetes' ${MAX_CONFIG_BYTES}: export a smaller topology`);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CONFIG_MAP, namespace: m.options.namespace, labels: { 'app.kubernetes.io/name': 'crc-sim' } },
    data,
  };
}
