// job.yaml: the experiment driver. An init container waits until every server's /health and
// every sidecar's /version answer (pods and Job are applied together), then the driver runs
// the timeline against the control APIs with `--placement external` and writes the usual
// results folder under /results; the pod then stays up `keepSeconds` so `kubectl cp` can fetch
// it (or /results is a PersistentVolumeClaim). backoffLimit 0: a second try would start from a
// network the first one already changed.
import { CONFIG_DIR, CONFIG_MAP } from './configmap.ts';
import { type DeploymentModel, PROXY_API_PORT } from './model.ts';
import { resourceName } from './names.ts';
import { APP_LABELS } from './pods.ts';

export interface JobOptions {
  experimentName: string;
  keepSeconds: number;
  /** a PersistentVolumeClaim for /results instead of an emptyDir */
  resultsPvc?: string;
  /** how long the init container waits for the network, ms */
  readyTimeoutMs: number;
}

export const RESULTS_DIR = '/results';

/** The driver command (`experiment.js --placement external --endpoints ...`, docs/kubernetes.md), then the keep-alive for `kubectl cp`. */
export function driverScript(o: JobOptions): string {
  const out = `${RESULTS_DIR}/${o.experimentName}`;
  return [
    `node dist/src/cli/experiment.js ${CONFIG_DIR}/experiment.json --placement external --endpoints ${CONFIG_DIR}/endpoints.json --out ${out}`,
    'rc=$?',
    `echo "crc-sim: driver exited $rc; results in ${out}; pod kept ${o.keepSeconds} s for kubectl cp"`,
    `touch ${RESULTS_DIR}/DONE`,
    `sleep ${o.keepSeconds}`,
    'exit $rc',
  ].join('\n');
}

export function jobObject(m: DeploymentModel, o: JobOptions): Record<string, unknown> {
  const urls = [
    ...[...m.servers.values()].map((s) => `http://${s.host}:${s.controlPort}/health`),
    ...m.pods.filter((p) => p.links.length).map((p) => `http://${m.servers.get(p.links[0]!.b)!.host}:${PROXY_API_PORT}/version`),
  ];
  const volumes = [
    { name: 'config', configMap: { name: CONFIG_MAP } },
    o.resultsPvc ? { name: 'results', persistentVolumeClaim: { claimName: o.resultsPvc } } : { name: 'results', emptyDir: {} },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: resourceName(`driver-${o.experimentName}`), namespace: m.options.namespace, labels: { ...APP_LABELS, 'app.kubernetes.io/component': 'driver' } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...APP_LABELS, 'app.kubernetes.io/component': 'driver' } },
        spec: {
          restartPolicy: 'Never',
          // No environment variable per Service (thousands of them in a big network).
          enableServiceLinks: false,
          // The image runs as user node (uid 1000); a claim's volume must be writable by it.
          securityContext: { fsGroup: 1000 },
          initContainers: [{
            name: 'wait-ready',
            image: m.options.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['node'],
            args: ['dist/src/cli/wait-http.js', '--timeout-ms', String(o.readyTimeoutMs), ...urls],
          }],
          containers: [{
            name: 'driver',
            image: m.options.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', driverScript(o)],
            volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, { name: 'results', mountPath: RESULTS_DIR }],
            resources: { requests: { cpu: '500m', memory: '256Mi' } },
          }],
          volumes,
        },
      },
    },
  };
}
