// The Kubernetes export: a topology and an experiment to plain manifests, one file per kind.
// Pure (no I/O): returns the files' text and the warnings; the CLI writes and prints them.
import type { Experiment } from '../experiment/schema.ts';
import { mapNetworkFaults } from './chaos-faults.ts';
import { configMapObject } from './configmap.ts';
import { type JobOptions, jobObject } from './job.ts';
import { type ExportOptions, buildModel } from './model.ts';
import { namespaceObject } from './namespace.ts';
import { networkChaosObjects } from './networkchaos.ts';
import { podObjects } from './pods.ts';
import { serviceObjects } from './services.ts';
import { type ExportWarning, timedActions } from './timeline.ts';
import { toxiproxyWarnings } from './toxiproxy-compat.ts';
import { workflowObject } from './workflow.ts';
import { manifestText } from './yaml-out.ts';

export interface K8sExportInput {
  experiment: Experiment;
  /** the experiment as the Job gets it: the file's document (its topology is replaced by the config map's) */
  experimentDoc: Record<string, unknown>;
  /** names the experiment in warnings */
  source: string;
}

export interface K8sExport {
  /** file name -> text, in the order to apply them */
  files: Map<string, string>;
  warnings: Array<ExportWarning & { file: string }>;
}

export const FILES = ['namespace.yaml', 'configmap.yaml', 'services.yaml', 'pods.yaml', 'job.yaml', 'networkchaos.yaml', 'workflow.yaml'] as const;

const generated = (what: string) => `${what}\nWritten by crc-sim's \`npm run export -- k8s\`; regenerate rather than edit.`;

export function exportK8s(input: K8sExportInput, options: ExportOptions, job: Omit<JobOptions, 'experimentName'>): K8sExport {
  const { experiment: exp, source } = input;
  const model = buildModel(exp.topology, options);
  const { namespace } = options;
  const { actions, endMs } = timedActions(exp);
  const warnings: K8sExport['warnings'] = [];
  const note = (file: string, ws: ExportWarning[]) => warnings.push(...ws.map((w) => ({ ...w, file })));
  const lines = (file: string) => warnings.filter((w) => w.file === file).map((w) => `WARNING ${source}: ${w.path}: ${w.message}`);

  if (options.proxy === 'toxiproxy') note('pods.yaml', toxiproxyWarnings(actions));
  if (exp.proxyClients === 'all' || exp.proxyClients.length) {
    note('job.yaml', [{ path: 'proxyClients', message: 'clients run inside the driver Job and dial their servers directly: their links have no proxy on Kubernetes, so faults on them cannot be injected' }]);
  }
  const { faults, warnings: chaosWarnings } = mapNetworkFaults(model, actions, endMs);
  note('workflow.yaml', chaosWarnings);

  const files = new Map<string, string>();
  files.set('namespace.yaml', manifestText([generated(`The namespace of experiment ${exp.name} (topology ${exp.topology.name}).`)], [namespaceObject(namespace)]));
  files.set('configmap.yaml', manifestText([generated('The topology, the experiment the Job runs, the endpoints file and each sidecar\'s proxies.')], [configMapObject(model, input.experimentDoc)]));
  files.set('services.yaml', manifestText([generated('A headless Service per server: <server>.<namespace>.svc is its pod\'s IP.')], serviceObjects(model)));
  files.set('pods.yaml', manifestText([
    generated(`${model.pods.length} pods of up to ${options.perPod} servers; link proxies are ${options.proxy === 'toxiproxy' ? `upstream toxiproxy (${options.toxiproxyImage})` : 'crc-proxy'} sidecars.`),
    ...lines('pods.yaml'),
  ], podObjects(model)));
  files.set('job.yaml', manifestText([
    generated('The experiment driver: runs the timeline against the servers\' control APIs and the sidecars\' proxy APIs (every fault through the proxies).'),
    ...lines('job.yaml'),
  ], [jobObject(model, { ...job, experimentName: exp.name })]));
  const chaosHeader = [
    'The same network faults at the network level, for Chaos Mesh: an ALTERNATIVE to the Job\'s proxies.',
    'Applied together with job.yaml they inject every fault twice (the Job through the proxies, Chaos Mesh in the pods\' network).',
    `Times follow the timeline of ${source} from when this is applied, not from the Job's start.`,
  ];
  files.set('networkchaos.yaml', manifestText([
    generated('Each network fault of the timeline as a NetworkChaos, created PAUSED (nothing is injected until one is unpaused:'),
    `kubectl -n ${namespace} annotate networkchaos NAME experiment.chaos-mesh.org/pause-).`,
    ...chaosHeader, ...faults.map((f) => `${f.name}: ${f.note}, from ${f.start} ms for ${f.end - f.start} ms`), ...lines('workflow.yaml'),
  ], networkChaosObjects(faults, exp.name, namespace)));
  const wf = workflowObject(faults, exp.name, namespace);
  files.set('workflow.yaml', manifestText([
    generated('A Chaos Mesh Workflow playing the timeline\'s network faults in order (Suspend templates for the waits).'),
    ...chaosHeader, ...(wf ? [] : ['The timeline has no network fault Chaos Mesh can inject: no Workflow.']), ...lines('workflow.yaml'),
  ], wf ? [wf] : []));
  return { files, warnings };
}
