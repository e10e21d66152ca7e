// namespace.yaml: everything the export writes lives in one namespace, so `kubectl delete
// namespace` removes a run.
import { APP_LABELS } from './pods.ts';

export function namespaceObject(namespace: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { ...APP_LABELS } } };
}
