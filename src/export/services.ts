// services.yaml: a headless Service per server, named after it, so `<server>.<namespace>.svc`
// resolves to its pod's IP. Headless because Chaos Mesh matches pod IPs: a sidecar dialling a
// ClusterIP would leave its pod with a virtual address the partition's rules do not name.
// Not-ready addresses are published: a crashed container comes back with the same pod IP, and
// the proxies re-dial while it restarts.
import { POD_LABEL } from './chaos-faults.ts';
import { type DeploymentModel, PROXY_API_PORT } from './model.ts';
import { APP_LABELS, portNames } from './pods.ts';

export function serviceObjects(m: DeploymentModel): Array<Record<string, unknown>> {
  return m.pods.flatMap((pod) => pod.servers.map((s) => {
    const names = portNames(pod, s);
    const hasProxy = pod.links.length > 0;
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.label, namespace: m.options.namespace, labels: { ...APP_LABELS, 'app.kubernetes.io/component': 'server' } },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { [POD_LABEL]: pod.name },
        ports: [
          { name: 'crc', port: s.port, targetPort: names.crc, protocol: 'TCP' },
          { name: 'control', port: s.controlPort, targetPort: names.control, protocol: 'TCP' },
          ...(hasProxy ? [{ name: 'proxy-api', port: PROXY_API_PORT, targetPort: 'proxy-api', protocol: 'TCP' }] : []),
        ],
      },
    };
  }));
}
