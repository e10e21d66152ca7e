// networkchaos.yaml: each network fault of the timeline as a standalone NetworkChaos, created
// paused (Chaos Mesh's pause annotation), so applying the folder injects nothing by itself;
// unpause one to inject it for its duration. workflow.yaml runs the same specs on the timeline.
import { type NetFault, durationText } from './chaos-faults.ts';
import { resourceName } from './names.ts';

export const CHAOS_API_VERSION = 'chaos-mesh.org/v1alpha1';
export const PAUSE_ANNOTATION = 'experiment.chaos-mesh.org/pause';

export function networkChaosObjects(faults: readonly NetFault[], prefix: string, namespace: string): Array<Record<string, unknown>> {
  return faults.map((f) => ({
    apiVersion: CHAOS_API_VERSION,
    kind: 'NetworkChaos',
    metadata: {
      name: resourceName(prefix, f.name),
      namespace,
      labels: { 'app.kubernetes.io/name': 'crc-sim', 'app.kubernetes.io/component': 'chaos' },
      annotations: { [PAUSE_ANNOTATION]: 'true', 'crc-sim/fault': f.note, 'crc-sim/at': durationText(f.start) },
    },
    spec: { ...f.spec, duration: durationText(f.end - f.start) },
  }));
}
