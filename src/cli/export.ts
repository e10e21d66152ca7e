// npm run export -- k8s --topology SPEC [--experiment FILE] --out DIR [...]: write the network and
// the experiment as Kubernetes manifests (src/export/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { k8sInput } from '../export/input.ts';
import { exportK8s } from '../export/k8s.ts';
import { DNS_LABEL } from '../export/names.ts';
import { MAX_PER_POD, type ProxyKind } from '../export/model.ts';
import { TOPOLOGY_SPECS } from '../topology/generate.ts';
import { UsageError, intFlag, parseFlags, requireString, runMain } from './args.ts';

const USAGE = `usage: npm run export -- k8s (--topology SPEC | --experiment FILE) --out DIR
                          [--per-pod K] [--image IMAGE] [--proxy crc-proxy|toxiproxy]
                          [--namespace NS] [--keep-seconds S] [--results-pvc NAME]

Writes plain Kubernetes manifests to DIR: namespace.yaml, configmap.yaml, services.yaml,
pods.yaml, job.yaml (the experiment driver), networkchaos.yaml and workflow.yaml (Chaos Mesh).
See docs/kubernetes.md.

  --topology SPEC      ${TOPOLOGY_SPECS}
                       (with --experiment: must be the experiment's own topology)
  --experiment FILE    the experiment the Job runs (default: one that checks convergence)
  --out DIR            where to write (created)
  --per-pod K          servers per pod, 1 to ${MAX_PER_POD} (default 1)
  --image IMAGE        the image built by the repository's Dockerfile (default crc-sim:latest)
  --proxy KIND         link proxy sidecar: crc-proxy (default) or toxiproxy (upstream;
                       what it cannot do of the timeline is warned about)
  --toxiproxy-image I  default ghcr.io/shopify/toxiproxy:2.12.0
  --namespace NS       default crc-sim
  --keep-seconds S     the driver pod stays this long after the run, for kubectl cp (default 600)
  --results-pvc NAME   mount this PersistentVolumeClaim at /results instead of an emptyDir
`;

await runMain(USAGE, async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    topology: { type: 'string' },
    experiment: { type: 'string' },
    out: { type: 'string' },
    'per-pod': { type: 'string' },
    image: { type: 'string', default: 'crc-sim:latest' },
    proxy: { type: 'string', default: 'crc-proxy' },
    'toxiproxy-image': { type: 'string', default: 'ghcr.io/shopify/toxiproxy:2.12.0' },
    namespace: { type: 'string', default: 'crc-sim' },
    'keep-seconds': { type: 'string' },
    'results-pvc': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== 'k8s') throw new UsageError(`the one export target is k8s, got ${positionals.length ? `'${positionals.join(' ')}'` : 'none'}`);
  const out = requireString(values, 'out');
  const proxy = values.proxy as ProxyKind;
  if (proxy !== 'crc-proxy' && proxy !== 'toxiproxy') throw new UsageError(`--proxy must be crc-proxy or toxiproxy, got '${values.proxy}'`);
  if (!DNS_LABEL.test(values.namespace) || values.namespace.length > 63) throw new UsageError(`--namespace must be a DNS label (a-z, 0-9, "-"; at most 63), got '${values.namespace}'`);
  if (values['results-pvc'] !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(values['results-pvc'])) throw new UsageError(`--results-pvc must be a claim's name, got '${values['results-pvc']}'`);
  if (values.topology === undefined && values.experiment === undefined) throw new UsageError('give --topology SPEC, --experiment FILE, or both');

  const input = k8sInput({ topology: values.topology, experiment: values.experiment });

  const result = exportK8s(input, {
    namespace: values.namespace, image: values.image, perPod: intFlag(values, 'per-pod', 1, MAX_PER_POD, 1), proxy, toxiproxyImage: values['toxiproxy-image'],
  }, {
    keepSeconds: intFlag(values, 'keep-seconds', 0, 7 * 86_400, 600),
    readyTimeoutMs: 300_000,
    ...(values['results-pvc'] !== undefined ? { resultsPvc: values['results-pvc'] } : {}),
  });
  mkdirSync(out, { recursive: true });
  for (const [name, text] of result.files) writeFileSync(join(out, name), text);
  for (const w of result.warnings) process.stderr.write(`warning: ${input.source}: ${w.path}: ${w.message} (noted in ${w.file})\n`);
  process.stdout.write(`wrote ${[...result.files.keys()].join(', ')} to ${out}\n`);
});
