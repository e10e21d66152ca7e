// workflow.yaml: the timeline's network faults as one Chaos Mesh Workflow. Faults are put in
// lanes (a lane holds faults that do not overlap, in time order); a lane is a Serial of Suspend
// templates for the waits and NetworkChaos templates (deadline = the fault's window); several
// lanes run as one Parallel, so overlapping faults (latency during a partition) keep their times.
import { type NetFault, durationText } from './chaos-faults.ts';
import { resourceName } from './names.ts';
import { CHAOS_API_VERSION } from './networkchaos.ts';

interface Template {
  name: string;
  templateType: 'Serial' | 'Parallel' | 'Suspend' | 'NetworkChaos';
  deadline?: string;
  children?: string[];
  networkChaos?: NetFault['spec'];
}

/** Greedy interval partitioning: the fewest lanes, each in time order. */
function lanes(faults: readonly NetFault[]): NetFault[][] {
  const out: NetFault[][] = [];
  for (const f of [...faults].sort((x, y) => x.start - y.start || x.end - y.end)) {
    const lane = out.find((l) => l[l.length - 1]!.end <= f.start);
    if (lane) lane.push(f); else out.push([f]);
  }
  return out;
}

export function workflowObject(faults: readonly NetFault[], name: string, namespace: string): Record<string, unknown> | undefined {
  if (faults.length === 0) return undefined;
  const templates: Template[] = [];
  const laneNames = lanes(faults).map((lane, k) => {
    const children: string[] = [];
    let t = 0;
    for (const f of lane) {
      if (f.start > t) {
        const wait = `wait-${k + 1}-${children.length + 1}`;
        templates.push({ name: wait, templateType: 'Suspend', deadline: durationText(f.start - t) });
        children.push(wait);
      }
      templates.push({ name: f.name, templateType: 'NetworkChaos', deadline: durationText(f.end - f.start), networkChaos: f.spec });
      children.push(f.name);
      t = f.end;
    }
    const laneName = `lane-${k + 1}`;
    templates.push({ name: laneName, templateType: 'Serial', children });
    return laneName;
  });
  const entry = laneNames.length === 1 ? laneNames[0]! : 'timeline';
  if (laneNames.length > 1) templates.push({ name: 'timeline', templateType: 'Parallel', children: laneNames });
  return {
    apiVersion: CHAOS_API_VERSION,
    kind: 'Workflow',
    metadata: { name: resourceName(name, 'network'), namespace, labels: { 'app.kubernetes.io/name': 'crc-sim', 'app.kubernetes.io/component': 'chaos' } },
    spec: { entry, templates },
  };
}
