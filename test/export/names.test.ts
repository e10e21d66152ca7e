// Kubernetes names from crc-sim's: valid, unique, and the same every time.
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { exportK8s } from '../../src/export/k8s.ts';
import { DNS_LABEL, resourceName, serverLabels } from '../../src/export/names.ts';
import { parseTopology } from '../../src/topology/schema.ts';
import { objectsOf, validateObject } from './validate.ts';

const topology = parseTopology({
  name: 'odd names',
  servers: [
    { id: 1, name: 'grey_havens', info: '' },
    { id: 2, name: 'grey-havens', info: '', join: 1 },
    { id: 3, name: 'Grey Havens!', info: '', join: 1 },
    { id: 4, name: '42', info: '', join: 1 },
    { id: 5, name: 'proxy', info: '', join: 1 },
    { id: 6, name: 'x'.repeat(200), info: '', join: 1 },
    { id: 7, name: 's2', info: '', join: 1 },
    { id: 10, name: 'a', info: '', join: 1 },
    { id: 11, name: 'a-12', info: '', join: 1 },
    { id: 12, name: 'A', info: '', join: 1 },
  ],
}, 'odd.json');

describe('names', () => {
  it('gives every server a distinct DNS label', () => {
    const labels = [...serverLabels(topology).values()];
    expect(labels).toEqual(['grey-havens', 'grey-havens-2', 'grey-havens-3', 's42', 'proxy', 'x'.repeat(63), 's2', 'a', 'a-12', 's12-2']);
    for (const l of labels) expect(l).toMatch(DNS_LABEL);
  });

  it('cuts a long prefix, never the suffix that tells siblings apart', () => {
    const long = 'e'.repeat(80);
    const a = resourceName(long, 'delay-1');
    const b = resourceName(long, 'delay-2');
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a.endsWith('-delay-1')).toBe(true);
    expect(() => resourceName('___')).toThrow(/no Kubernetes name/);
  });

  it('exports such a topology to objects that validate, with no container named like the sidecar', () => {
    const exp = parseExperiment({ name: 'n'.repeat(70), topology: { ...topology }, timeline: [
      { at: '1s', do: 'latency', link: '1-5', ms: 5 }, { at: '1s', do: 'latency', link: '1-6', ms: 5 },
    ] }, 'odd-exp.json');
    for (const perPod of [1, 7]) {
      const out = exportK8s({ experiment: exp, experimentDoc: {}, source: 'odd-exp.json' },
        { namespace: 'crc-sim', image: 'i', perPod, proxy: 'crc-proxy', toxiproxyImage: 't' }, { keepSeconds: 0, readyTimeoutMs: 1 });
      const names = new Set<string>();
      for (const [, text] of out.files) {
        for (const o of objectsOf(text)) {
          validateObject(o);
          const key = `${o.kind}/${o.metadata.name}`;
          expect(names.has(key), key).toBe(false);
          names.add(key);
          if (o.kind === 'Pod') {
            const containers = o.spec.containers.map((c: any) => c.name);
            expect(new Set(containers).size).toBe(containers.length);
          }
        }
      }
      expect([...names].filter((n) => n.startsWith('NetworkChaos/'))).toHaveLength(perPod === 1 ? 2 : 0);
    }
  });
});
