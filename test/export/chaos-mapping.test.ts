// The timeline's network faults as Chaos Mesh windows, and the warnings for what does not map
// (nothing is dropped silently), for Chaos Mesh and for upstream toxiproxy.
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { mapNetworkFaults } from '../../src/export/chaos-faults.ts';
import { exportK8s } from '../../src/export/k8s.ts';
import { type ExportOptions, buildModel } from '../../src/export/model.ts';
import { timedActions } from '../../src/export/timeline.ts';
import { toxiproxyWarnings } from '../../src/export/toxiproxy-compat.ts';
import { workflowObject } from '../../src/export/workflow.ts';
import { objectsOf, validateObject } from './validate.ts';

const options = (o: Partial<ExportOptions> = {}): ExportOptions => ({ namespace: 'ns', image: 'img', perPod: 1, proxy: 'crc-proxy', toxiproxyImage: 't', ...o });
const experiment = (timeline: unknown[], extra: Record<string, unknown> = {}) =>
  parseExperiment({ name: 'x', topology: 'middle-earth', timeline, duration: '10s', ...extra }, 'x.json');
function mapped(timeline: unknown[], o: Partial<ExportOptions> = {}, extra: Record<string, unknown> = {}) {
  const exp = experiment(timeline, extra);
  const { actions, endMs } = timedActions(exp);
  return { ...mapNetworkFaults(buildModel(exp.topology, options(o)), actions, endMs), actions };
}

describe('Chaos Mesh mapping', () => {
  it('gives latency its window from the action to its remove, from the joiner\'s pod to the bootstrap\'s', () => {
    const { faults } = mapped([
      { at: '1s', do: 'latency', link: '4-7', ms: 50, jitter: 0, direction: 'upstream', name: 'slow' },
      { at: '3s', do: 'remove', link: '7-4', name: 'slow' },
    ]);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ start: 1000, end: 3000, spec: { action: 'delay', direction: 'to', delay: { latency: '50ms', jitter: '0ms' } } });
    // 7 (minastirith) joined 4 (lothlorien): the selector is 7's pod.
    expect(faults[0]!.spec.selector.expressionSelectors[0]!.values).toEqual(['minastirith']);
    expect(faults[0]!.spec.target.selector.expressionSelectors[0]!.values).toEqual(['lothlorien']);
  });

  it('puts overlapping faults in parallel lanes that keep their times', () => {
    const { faults } = mapped([
      { at: '1s', do: 'latency', link: '4-7', ms: 20 },
      { at: '2s', do: 'partition', groups: [[1, 2, 3, 5, 8], [4, 6, 7, 9, 10, 11]] },
      { at: '4s', do: 'heal' },
      { at: '5s', do: 'down', link: '2-4', direction: 'downstream', mode: 'silent' },
      { at: '6s', do: 'up', link: '2-4' },
    ]);
    expect(faults.map((f) => [f.name, f.start, f.end])).toEqual([['delay-0', 1000, 10_000], ['partition-1', 2000, 4000], ['down-3', 5000, 6000]]);
    expect(faults[2]!.spec.direction).toBe('from');
    const wf = workflowObject(faults, 'x', 'ns') as any;
    expect(() => validateObject(wf)).not.toThrow();
    const byName = new Map<string, any>(wf.spec.templates.map((t: any) => [t.name, t]));
    const entry = byName.get(wf.spec.entry);
    expect(entry.templateType).toBe('Parallel');
    // Each lane's waits and windows add up to the fault's times.
    const starts = new Map<string, number>();
    for (const lane of entry.children.map((c: string) => byName.get(c))) {
      let t = 0;
      for (const c of lane.children.map((n: string) => byName.get(n))) {
        if (c.templateType === 'NetworkChaos') starts.set(c.name, t);
        t += Number.parseInt(c.deadline, 10);
      }
    }
    expect(Object.fromEntries(starts)).toEqual({ 'delay-0': 1000, 'partition-1': 2000, 'down-3': 5000 });
  });

  it('shapes bandwidth at each direction\'s sender, in tc\'s kilobytes a second', () => {
    const { faults } = mapped([{ at: '1s', do: 'toxic', link: '2-4', toxic: { type: 'bandwidth', rate: 64 } }]);
    expect(faults.map((f) => [f.name, f.spec.selector.expressionSelectors[0]!.values[0], f.spec.target.selector.expressionSelectors[0]!.values[0], f.spec.bandwidth?.rate])).toEqual([
      ['bandwidth-0-upstream', 'lothlorien', 'rivendale', '64kbps'],
      ['bandwidth-0-downstream', 'rivendale', 'lothlorien', '64kbps'],
    ]);
  });

  it('warns about every fault it cannot carry, naming the timeline entry', () => {
    const { faults, warnings } = mapped([
      { at: '1s', do: 'hold', link: '2-4' },
      { at: '2s', do: 'release', link: '2-4' },
      { at: '3s', do: 'toxic', link: '2-4', toxic: { type: 'slicer', average_size: 10 } },
      { at: '4s', do: 'latency', link: '108-11', ms: 5 },
      { expect: 'converged', within: '1s' },
      { do: 'latency', link: '2-4', ms: 5, toxicity: 0.5 },
      { do: 'latency', link: '2-5', ms: 5 },
      { at: '6s', do: 'latency', link: '4-6', ms: 5 },
      { do: 'latency', link: '4-7', ms: 5 },
    ], {}, { proxyClients: [108] });
    expect(faults.map((f) => [f.name, f.start])).toEqual([['delay-5', 4000], ['delay-6', 4000], ['delay-7', 6000], ['delay-8', 6000]]);
    const byPath = (p: string) => warnings.filter((w) => w.path === p).map((w) => w.message).join(' | ');
    expect(byPath('timeline.0')).toMatch(/"hold".*no Chaos Mesh equivalent/);
    expect(byPath('timeline.1')).toMatch(/"release"/);
    expect(byPath('timeline.2')).toMatch(/slicer toxic has no Chaos Mesh/);
    expect(byPath('timeline.3')).toMatch(/client's link/);
    // After a check, an entry's time is an estimate; after an action or an `at`, it is not.
    expect(byPath('timeline.5')).toMatch(/no "at".*4000 ms/);
    expect(byPath('timeline.5')).toMatch(/toxicity 0.5/);
    expect(byPath('timeline.6')).toMatch(/no "at"/);
    expect(byPath('timeline.8')).toBe('');
  });

  it('leaves out a link inside one pod and a partition that splits a pod, saying so', () => {
    const { faults, warnings } = mapped([
      { at: '1s', do: 'latency', link: '1-2', ms: 5 },
      { at: '2s', do: 'partition', groups: [[1], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]] },
    ], { perPod: 2 });
    expect(faults).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/both servers are in pod pod-1/),
      expect.stringMatching(/partition splits pod\(s\) pod-1/),
    ]);
  });
});

describe('upstream toxiproxy', () => {
  it('warns about crc-proxy\'s extras and normal jitter, and the warnings reach stderr\'s list and the manifest', () => {
    const exp = experiment([
      { at: '1s', do: 'down', link: '2-4', mode: 'silent' },
      { at: '2s', do: 'up', link: '2-4' },
      { at: '3s', do: 'down', link: '2-4', direction: 'upstream' },
      { at: '4s', do: 'hold', link: '2-4' },
      { at: '5s', do: 'partition', groups: [[1, 2]], mode: 'silent' },
      { at: '6s', do: 'latency', link: '2-4', ms: 5, jitter: 1, distribution: 'normal' },
      { at: '7s', do: 'latency', link: '1-2', ms: 5 },
      { at: '8s', do: 'down', link: '1-2', how: 'reset' },
      { at: '9s', do: 'down', link: '1-3' },
    ]);
    const paths = toxiproxyWarnings(timedActions(exp).actions).map((w) => w.path);
    expect(paths).toEqual(['timeline.0', 'timeline.2', 'timeline.3', 'timeline.4', 'timeline.5', 'timeline.7']);
    const out = exportK8s({ experiment: exp, experimentDoc: { name: 'x' }, source: 'x.json' }, options({ proxy: 'toxiproxy' }), { keepSeconds: 0, readyTimeoutMs: 1000 });
    const pods = out.files.get('pods.yaml')!;
    expect(pods).toMatch(/^# WARNING x\.json: timeline\.3: "hold" needs crc-proxy/m);
    expect(out.warnings.filter((w) => w.file === 'pods.yaml')).toHaveLength(6);
    for (const o of objectsOf(pods)) expect(o.spec.containers.at(-1).image === 't' || o.spec.containers.length === 1).toBe(true);
    // With crc-proxy, none of these is a proxy warning.
    const crc = exportK8s({ experiment: exp, experimentDoc: { name: 'x' }, source: 'x.json' }, options(), { keepSeconds: 0, readyTimeoutMs: 1000 });
    expect(crc.warnings.filter((w) => w.file === 'pods.yaml')).toEqual([]);
  });
});
