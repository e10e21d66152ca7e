// The exported manifests: every object valid for its kind (kubernetes-models; the Chaos Mesh
// CRDs' schemas), and consistent with each other: Services select pods, sidecar proxies sit
// between each joining server and its bootstrap, the endpoints file and the experiment in the
// config map parse with their schemas.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { k8sInput } from '../../src/export/input.ts';
import { FILES, exportK8s } from '../../src/export/k8s.ts';
import type { ExportOptions } from '../../src/export/model.ts';
import { parseEndpoints as parseEndpointsFile } from '../../src/placement/endpoints.ts';
import { objectsOf, validateObject } from './validate.ts';

const PARTITION_HEAL = 'topologies/experiments/partition-heal.json';
const options = (o: Partial<ExportOptions> = {}): ExportOptions => ({ namespace: 'crc-sim', image: 'crc-sim:latest', perPod: 1, proxy: 'crc-proxy', toxiproxyImage: 'ghcr.io/shopify/toxiproxy:2.12.0', ...o });
const job = { keepSeconds: 600, readyTimeoutMs: 300_000 };
const run = (experiment: string, o: Partial<ExportOptions> = {}) => exportK8s(k8sInput({ experiment }), options(o), job);
const objects = (files: Map<string, string>) => new Map([...files].map(([f, text]) => [f, objectsOf(text)]));

// The endpoints file in the config map must parse with the schema the driver reads it with.
const parseEndpoints = (doc: unknown) => parseEndpointsFile(doc, 'endpoints.json');

describe('k8s export of middle-earth + partition-heal', () => {
  const variants: Array<Partial<ExportOptions>> = [{}, { perPod: 3 }, { proxy: 'toxiproxy' }];
  for (const variant of variants) {
    it(`every object validates (${JSON.stringify(variant)})`, () => {
      const out = run(PARTITION_HEAL, variant);
      expect([...out.files.keys()]).toEqual([...FILES]);
      const kinds = new Map<string, number>();
      for (const [file, objs] of objects(out.files)) {
        for (const o of objs) {
          expect(() => validateObject(o), `${file}`).not.toThrow();
          expect(o.metadata.namespace ?? o.metadata.name).toBe('crc-sim');
          kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
        }
      }
      const pods = Math.ceil(11 / (variant.perPod ?? 1));
      // With 3 servers a pod, the partition splits a pod: no Chaos Mesh objects, and a warning says so.
      const chaos = variant.perPod ? 0 : 1;
      expect(Object.fromEntries(kinds)).toEqual({ Namespace: 1, ConfigMap: 1, Service: 11, Pod: pods, Job: 1, ...(chaos ? { NetworkChaos: 1, Workflow: 1 } : {}) });
      const split = out.warnings.filter((w) => /partition splits pod\(s\) pod-/.test(w.message));
      expect(split).toHaveLength(chaos ? 0 : 1);
    });
  }

  it('puts each link through the sidecar of the joining server\'s pod, upstream the bootstrap\'s Service', () => {
    for (const perPod of [1, 3]) {
      const o = objects(run(PARTITION_HEAL, { perPod }).files);
      const pods = o.get('pods.yaml')!;
      const services = o.get('services.yaml')!;
      const data = o.get('configmap.yaml')![0]!.data as Record<string, string>;
      const endpoints = parseEndpoints(JSON.parse(data['endpoints.json']!));
      expect(endpoints.servers.map((s) => s.name)).toContain('grey_havens');
      expect(endpoints.links).toHaveLength(10);
      for (const l of endpoints.links) {
        const a = endpoints.servers.find((s) => s.name === l.a)!;
        const b = endpoints.servers.find((s) => s.name === l.b)!;
        // b's pod: its crc-server dials 127.0.0.1:<listen> of a proxy named l.proxy whose upstream is a.
        const bSvc = services.find((s) => `${s.metadata.name}.crc-sim.svc` === b.host)!;
        const pod = pods.find((p) => p.metadata.labels['crc-sim/pod'] === bSvc.spec.selector['crc-sim/pod'])!;
        const populate = JSON.parse(data[`proxies-${pod.metadata.name}.json`]!) as Array<{ name: string; listen: string; upstream: string }>;
        const proxy = populate.find((p) => p.name === l.proxy)!;
        expect(proxy.upstream).toBe(`${a.host}:${a.port}`);
        const server = pod.spec.containers.find((c: any) => c.args.includes('--servername') && c.args[c.args.indexOf('--servername') + 1] === b.name);
        const arg = (f: string) => server.args[server.args.indexOf(f) + 1];
        expect(`${arg('--connect_to_host')}:${arg('--connect_to_port')}`).toBe(proxy.listen);
        expect(arg('--port')).toBe(String(b.port));
        const sidecar = pod.spec.containers.find((c: any) => c.name === 'proxy');
        expect(sidecar.args).toContain(`/etc/crc-sim/proxies-${pod.metadata.name}.json`);
        expect(l.proxyApi).toBe(`http://${b.host}:8474`);
        expect(bSvc.spec.ports.map((p: any) => p.port)).toEqual(expect.arrayContaining([b.port, 8474]));
      }
      // Every Service selects a pod; every pod holds at most perPod servers.
      for (const s of services) expect(pods.some((p) => p.metadata.labels['crc-sim/pod'] === s.spec.selector['crc-sim/pod'])).toBe(true);
      for (const p of pods) expect(p.spec.containers.filter((c: any) => c.name !== 'proxy').length).toBeLessThanOrEqual(perPod);
      expect(pods).toHaveLength(Math.ceil(11 / perPod));
    }
  });

  it('gives the Job the experiment, naming the config map\'s topology, which parses to the same experiment', () => {
    const input = k8sInput({ experiment: PARTITION_HEAL });
    const data = objects(run(PARTITION_HEAL).files).get('configmap.yaml')![0]!.data as Record<string, string>;
    // The config map as the Job mounts it, in a scratch folder instead of /etc/crc-sim.
    const mount = mkdtempSync(join(tmpdir(), 'crc-cm-'));
    for (const [k, v] of Object.entries(data)) writeFileSync(join(mount, k), v);
    const doc = JSON.parse(data['experiment.json']!);
    expect(doc.topology).toBe('/etc/crc-sim/topology.json');
    const again = parseExperiment({ ...doc, topology: join(mount, 'topology.json') }, 'experiment.json');
    rmSync(mount, { recursive: true });
    expect(again).toEqual(input.experiment);
    const jobObj = objects(run(PARTITION_HEAL).files).get('job.yaml')![0]!;
    const script = jobObj.spec.template.spec.containers[0].command.join(' ');
    expect(script).toContain('node dist/src/cli/experiment.js /etc/crc-sim/experiment.json --placement external --endpoints /etc/crc-sim/endpoints.json --out /results/partition-heal');
  });

  it('maps the partition to a NetworkChaos between the two sides for 2 s, 2 s in, in a Workflow', () => {
    const o = objects(run(PARTITION_HEAL).files);
    const [chaos] = o.get('networkchaos.yaml')!;
    expect(chaos!.spec).toMatchObject({ action: 'partition', direction: 'both', duration: '2000ms' });
    expect(chaos!.metadata.annotations['experiment.chaos-mesh.org/pause']).toBe('true');
    expect(chaos!.spec.selector.expressionSelectors[0].values).toEqual(['grey-havens', 'mirkwood', 'moria', 'rivendale', 'theshire']);
    expect(chaos!.spec.target.selector.expressionSelectors[0].values).toEqual(['barad-dur', 'edoras', 'isengard', 'lothlorien', 'minastirith', 'osgiliath']);
    const [wf] = o.get('workflow.yaml')!;
    const byName = new Map(wf!.spec.templates.map((t: any) => [t.name, t]));
    const entry: any = byName.get(wf!.spec.entry);
    expect(entry.templateType).toBe('Serial');
    expect(entry.children.map((c: string) => [(byName.get(c) as any).templateType, (byName.get(c) as any).deadline])).toEqual([['Suspend', '2000ms'], ['NetworkChaos', '2000ms']]);
  });
});

describe('the validators can fail', () => {
  const o = objects(run(PARTITION_HEAL).files);
  const copy = (x: unknown) => JSON.parse(JSON.stringify(x));
  it('rejects a Pod whose port is not a number, or whose names are not DNS labels', () => {
    const pod = copy(o.get('pods.yaml')![0]);
    pod.spec.containers[0].ports[0].containerPort = 'crc';
    expect(() => validateObject(pod)).toThrow(/containerPort/);
    const named = copy(o.get('pods.yaml')![2]);
    named.spec.containers[0].name = 'grey_havens';
    expect(() => validateObject(named)).toThrow(/container name "grey_havens"/);
    const svc = copy(o.get('services.yaml')![0]);
    svc.metadata.name = 'Grey_Havens';
    expect(() => validateObject(svc)).toThrow(/not a DNS label/);
  });
  it('rejects a Service without ports\' numbers and a Job without a template', () => {
    const svc = copy(o.get('services.yaml')![0]);
    delete svc.spec.ports[0].port;
    expect(() => validateObject(svc)).toThrow(/port/);
    const j = copy(o.get('job.yaml')![0]);
    delete j.spec.template;
    expect(() => validateObject(j)).toThrow(/template/);
  });
  it('rejects a NetworkChaos with an unknown action, a bad latency or a misspelt field', () => {
    const c = copy(o.get('networkchaos.yaml')![0]);
    expect(() => validateObject({ ...c, spec: { ...c.spec, action: 'explode' } })).toThrow(/action|allowed/);
    expect(() => validateObject({ ...c, spec: { ...c.spec, action: 'delay', delay: { latency: '50 ms' } } })).toThrow(/pattern/);
    expect(() => validateObject({ ...c, spec: { ...c.spec, durration: '1s' } })).toThrow(/additional/);
  });
  it('rejects a Workflow without an entry or with a misspelt template field', () => {
    const w = copy(o.get('workflow.yaml')![0]);
    const noEntry = copy(w);
    delete noEntry.spec.entry;
    expect(() => validateObject(noEntry)).toThrow(/entry/);
    const orphan = copy(w);
    orphan.spec.templates.find((t: any) => t.templateType === 'Serial').children.push('nowhere');
    expect(() => validateObject(orphan)).toThrow(/child nowhere is no template/);
    const spaced = copy(w);
    spaced.spec.templates[0].deadline = '2000 ms';
    expect(() => validateObject(spaced)).toThrow(/not a duration/);
    w.spec.templates[0].deadLine = '1s';
    expect(() => validateObject(w)).toThrow(/additional/);
  });
});

describe('every shipped experiment', () => {
  const dir = 'topologies/experiments';
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    it(`${file} exports to objects that validate, with crc-proxy and with toxiproxy`, () => {
      for (const proxy of ['crc-proxy', 'toxiproxy'] as const) {
        const out = run(join(dir, file), { proxy });
        for (const [, text] of out.files) for (const o of objectsOf(text)) validateObject(o);
        // Every warning names an entry of the file and lands in a manifest's header.
        for (const w of out.warnings) {
          expect(w.path).toMatch(/^(timeline\.\d+|proxyClients)$/);
          expect(out.files.get(w.file)).toContain(`${w.path}: ${w.message}`);
        }
      }
    });
  }
});
