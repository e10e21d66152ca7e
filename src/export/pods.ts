// pods.yaml: one Pod per K servers. Each server is a crc-server container with its CRC port and
// its control API bound to 0.0.0.0; a pod whose servers join others has one proxy sidecar
// (crc-proxy, or upstream toxiproxy) holding a proxy per such link, configured at start from
// the config map. The joining crc-server dials its sidecar on localhost, the sidecar a's Service.
// Bare Pods with restartPolicy Always: a crashed server (POST /crash) is restarted in place, with
// the same pod IP, which is what `--placement external` waits for (a new boot id on /health).
import { livenessOf } from '../coordinator/liveness-defaults.ts';
import { CONFIG_DIR, CONFIG_MAP } from './configmap.ts';
import { proxiesKey } from './endpoints.ts';
import { containerName } from './names.ts';
import { POD_LABEL } from './chaos-faults.ts';
import { type DeploymentModel, PROXY_API_PORT, PROXY_LISTEN_PORT, type PodPlacement, type ServerPlacement } from './model.ts';

export const APP_LABELS = { 'app.kubernetes.io/name': 'crc-sim' } as const;

/** Port names (IANA service names: at most 15 characters), unique within the pod. */
export const portNames = (pod: PodPlacement, s: ServerPlacement) =>
  pod.servers.length === 1 ? { crc: 'crc', control: 'control' } : { crc: `crc-${s.slot}`, control: `control-${s.slot}` };

const configVolume = { name: 'config', mountPath: CONFIG_DIR, readOnly: true };

function serverContainer(m: DeploymentModel, pod: PodPlacement, s: ServerPlacement): Record<string, unknown> {
  const live = livenessOf({ topology: m.topology });
  const names = portNames(pod, s);
  const args = [
    'bin/crc-server', '--id', String(s.id), '--servername', s.name, '--info', s.info,
    '--host', '0.0.0.0', '--port', String(s.port),
    '--monitor-host', '0.0.0.0', '--monitor-port', String(s.controlPort),
    '--reconnect',
    ...(s.join !== undefined ? ['--connect_to_host', '127.0.0.1', '--connect_to_port', String(PROXY_LISTEN_PORT + s.slot)] : []),
    ...(live.intervalMs > 0 ? ['--ping-interval', String(live.intervalMs), '--ping-timeout', String(live.timeoutMs)] : []),
  ];
  return {
    name: containerName(s.id, s.label),
    image: m.options.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['node'],
    args,
    ports: [{ name: names.crc, containerPort: s.port }, { name: names.control, containerPort: s.controlPort }],
    readinessProbe: { httpGet: { path: '/health', port: s.controlPort }, periodSeconds: 2, failureThreshold: 3 },
    resources: { requests: { cpu: '50m', memory: '64Mi' } },
  };
}

function proxyContainer(m: DeploymentModel, pod: PodPlacement): Record<string, unknown> {
  const config = `${CONFIG_DIR}/${proxiesKey(pod.name)}`;
  const common = {
    ports: [{ name: 'proxy-api', containerPort: PROXY_API_PORT }],
    readinessProbe: { httpGet: { path: '/version', port: PROXY_API_PORT }, periodSeconds: 2, failureThreshold: 3 },
    volumeMounts: [configVolume],
    resources: { requests: { cpu: '50m', memory: '32Mi' } },
  };
  if (m.options.proxy === 'toxiproxy') {
    // The image's entrypoint is toxiproxy-server; its flags take one dash.
    return { name: 'proxy', image: m.options.toxiproxyImage, imagePullPolicy: 'IfNotPresent', args: ['-host=0.0.0.0', `-port=${PROXY_API_PORT}`, `-config=${config}`], ...common };
  }
  return {
    name: 'proxy', image: m.options.image, imagePullPolicy: 'IfNotPresent',
    command: ['node'], args: ['bin/crc-proxy', '--host', '0.0.0.0', '--port', String(PROXY_API_PORT), '--config', config], ...common,
  };
}

export function podObjects(m: DeploymentModel): Array<Record<string, unknown>> {
  return m.pods.map((pod) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: m.options.namespace,
      labels: { ...APP_LABELS, 'app.kubernetes.io/component': 'server', [POD_LABEL]: pod.name },
      annotations: { 'crc-sim/servers': pod.servers.map((s) => `${s.id}:${s.name}`).join(',') },
    },
    spec: {
      restartPolicy: 'Always',
      // No environment variable per Service (thousands of them in a big network).
      enableServiceLinks: false,
      // crc-server's stop is quick; a short grace keeps a re-apply fast.
      terminationGracePeriodSeconds: 5,
      containers: [
        ...pod.servers.map((s) => serverContainer(m, pod, s)),
        ...(pod.links.length ? [proxyContainer(m, pod)] : []),
      ],
      ...(pod.links.length ? { volumes: [{ name: 'config', configMap: { name: CONFIG_MAP } }] } : {}),
    },
  }));
}
