// Validators for the exported objects: kubernetes-models for the core kinds, and ajv against
// the openAPIV3Schema of the Chaos Mesh CRDs kept in test/fixtures/crds/. Kubernetes prunes
// fields a structural schema does not name (silently), so every object schema with properties
// is closed here: a misspelt field is an error, as it would be a lost setting on a cluster.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { ConfigMap, Namespace, Pod, Service } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { parse, parseAllDocuments } from 'yaml';

const CRDS = new URL('../fixtures/crds/', import.meta.url);

function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) s[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, closed(ps)])) : closed(v);
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
  return s;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators = new Map<string, ValidateFunction>();
for (const file of ['chaos-mesh.org_networkchaos.yaml', 'chaos-mesh.org_workflows.yaml']) {
  const crd = parse(readFileSync(new URL(file, CRDS), 'utf8')) as { spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: unknown } }> } };
  for (const v of crd.spec.versions) crdValidators.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, ajv.compile(closed(v.schema.openAPIV3Schema) as object));
}

const core: Record<string, new (o: never) => { validate(): void }> = {
  'v1 Namespace': Namespace, 'v1 ConfigMap': ConfigMap, 'v1 Pod': Pod, 'v1 Service': Service, 'batch/v1 Job': Job,
};

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/**
 * What the API server checks and kubernetes-models does not: names (every name we write is a
 * DNS-1035 label, as a Service's must be), label values, container and port names.
 */
function nameIssues(o: Record<string, any>): string[] {
  const issues: string[] = [];
  const m = o.metadata ?? {};
  if (typeof m.name !== 'string' || !DNS_LABEL.test(m.name)) issues.push(`metadata.name ${JSON.stringify(m.name)} is not a DNS label`);
  for (const [k, v] of Object.entries({ ...m.labels, ...o.spec?.template?.metadata?.labels, ...(o.kind === 'Service' ? o.spec?.selector : {}) })) {
    if (typeof v !== 'string' || !LABEL_VALUE.test(v)) issues.push(`label ${k}: ${JSON.stringify(v)} is not a label value`);
  }
  const podSpec = o.kind === 'Pod' ? o.spec : o.spec?.template?.spec;
  for (const c of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) {
    if (!DNS_LABEL.test(c.name)) issues.push(`container name ${JSON.stringify(c.name)} is not a DNS label`);
    for (const p of c.ports ?? []) if (p.name !== undefined && !PORT_NAME.test(p.name)) issues.push(`port name ${JSON.stringify(p.name)} is not an IANA service name`);
  }
  for (const p of (o.kind === 'Service' ? o.spec?.ports : undefined) ?? []) if (!PORT_NAME.test(p.name)) issues.push(`port name ${JSON.stringify(p.name)} is not an IANA service name`);
  return issues;
}

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/;
const TEMPLATE_TYPES = new Set(['Serial', 'Parallel', 'Suspend', 'Task', 'Schedule', 'StatusCheck', 'NetworkChaos']);

/**
 * What Chaos Mesh's admission webhook checks and the CRD schema does not: durations parse as Go
 * durations, a Workflow's entry and children name templates it has, template types are known,
 * a chaos template carries its spec.
 */
function chaosIssues(o: Record<string, any>): string[] {
  const issues: string[] = [];
  if (o.kind === 'NetworkChaos' && o.spec?.duration !== undefined && !GO_DURATION.test(o.spec.duration)) issues.push(`spec.duration ${JSON.stringify(o.spec.duration)} is not a duration`);
  if (o.kind !== 'Workflow') return issues;
  const templates: any[] = o.spec?.templates ?? [];
  const names = new Set<string>();
  for (const t of templates) {
    if (names.has(t.name)) issues.push(`template ${t.name} twice`);
    names.add(t.name);
    if (!TEMPLATE_TYPES.has(t.templateType)) issues.push(`template ${t.name}: unknown templateType ${JSON.stringify(t.templateType)}`);
    if (t.deadline !== undefined && !GO_DURATION.test(t.deadline)) issues.push(`template ${t.name}: deadline ${JSON.stringify(t.deadline)} is not a duration`);
    if (t.templateType === 'NetworkChaos' && !t.networkChaos) issues.push(`template ${t.name}: NetworkChaos without networkChaos`);
    if (t.templateType === 'Suspend' && t.deadline === undefined) issues.push(`template ${t.name}: Suspend without a deadline`);
  }
  if (!names.has(o.spec?.entry)) issues.push(`entry ${JSON.stringify(o.spec?.entry)} is no template`);
  for (const t of templates) for (const c of t.children ?? []) if (!names.has(c)) issues.push(`template ${t.name}: child ${c} is no template`);
  return issues;
}

/** Throws naming the object and the first problems if `o` is not a valid object of its kind. */
export function validateObject(o: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): void {
  const key = `${o.apiVersion} ${o.kind}`;
  const what = `${key} ${o.metadata?.name ?? '(no name)'}`;
  const names = [...nameIssues(o as Record<string, any>), ...chaosIssues(o as Record<string, any>)];
  if (names.length) throw new Error(`${what}: ${names.join('; ')}`);
  const Model = core[key];
  if (Model) {
    try {
      new Model(o as never).validate();
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`);
    }
    return;
  }
  const v = crdValidators.get(key);
  if (!v) throw new Error(`${what}: no validator for this kind`);
  if (!v(o)) throw new Error(`${what}: ${ajv.errorsText(v.errors?.slice(0, 5))}`);
}

/** The objects of a multi-document manifest; a YAML error throws. */
export function objectsOf(text: string): Array<Record<string, any>> {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map(String).join('\n'));
    return d.toJSON() as Record<string, any>;
  }).filter((o) => o !== null);
}
