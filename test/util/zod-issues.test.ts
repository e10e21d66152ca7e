// One formatter for every loader: topology, experiment, scenario and toxic spec errors all
// read "<source>: <path>: <message>", and an unknown key is named by its path the same way.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { checkToxicSpec, parseToxicSpec } from '../../src/faults/registry.ts';
import { parseScenario } from '../../src/scenario/model.ts';
import { parseTopology } from '../../src/topology/schema.ts';
import { formatIssues, fromZod, inlineIssues } from '../../src/util/zod-issues.ts';

const message = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted a bad document');
};

describe('zod issues', () => {
  it('one line per issue; each unknown key its own issue, at its own path', () => {
    const r = z.strictObject({ a: z.number(), b: z.strictObject({ c: z.string() }) }).safeParse({ a: 'x', b: { c: 'ok', d: 1, e: 2 } });
    const issues = fromZod(r.error!.issues, 'field', ['doc']);
    expect(formatIssues('f.json', issues).split('\n')).toEqual([
      'f.json: doc.a: Invalid input: expected number, received string',
      'f.json: doc.b.d: unknown field "d"',
      'f.json: doc.b.e: unknown field "e"',
    ]);
    expect(formatIssues('f.json', [{ path: [], message: 'empty' }])).toBe('f.json: (top level): empty');
    expect(inlineIssues(fromZod(r.error!.issues, 'attribute'), 'attribute')).toBe('attribute "a": Invalid input: expected number, received string; unknown attribute "d"; unknown attribute "e"');
  });

  it('topology, experiment and scenario files name an unknown key alike', () => {
    const topology = { name: 't', servers: [{ id: 1, name: 'a', info: '', colour: 'red' }] };
    expect(message(() => parseTopology(topology, 't.json'))).toBe('t.json: servers.0.colour: unknown field "colour"');
    expect(message(() => parseExperiment({ name: 'x', topology }, 'x.json'))).toBe('x.json: topology.servers.0.colour: unknown field "colour"');
    const scenario = { name: 's', steps: [{ server: 'a', id: 1, info: '', colour: 'red' }], expect: {} };
    expect(message(() => parseScenario(scenario, 's.json'))).toBe('s.json: steps.0.colour: unknown field "colour"');
  });

  it('a scenario reports every bad reference, not just the first', () => {
    const scenario = {
      name: 's',
      steps: [{ server: 'a', id: 1, info: '' }, { client: 'c', id: 2, info: '', server: 'nowhere' }, { msg: 'ghost', to: 1, text: 'hi' }],
      expect: { z: {} },
    };
    expect(message(() => parseScenario(scenario, 's.json')).split('\n')).toEqual([
      "s.json: steps.1.server: no server named 'nowhere' was launched before this step",
      "s.json: steps.2.msg: no client named 'ghost' was launched before this step",
      's.json: expect.z: no host of that name is launched',
    ]);
  });

  it('the toxic registry: issues with paths for documents, the same one-line message for the proxy', () => {
    const r = checkToxicSpec({ type: 'latency', ms: -1, jiter: 2 });
    expect('issues' in r && r.issues.map((i) => [i.path, i.message])).toEqual([
      [['ms'], 'Too small: expected number to be >=0'],
      [['jiter'], 'unknown attribute "jiter"'],
    ]);
    expect(message(() => parseToxicSpec({ type: 'latency', ms: -1, jiter: 2 })))
      .toBe('invalid latency toxic: attribute "ms": Too small: expected number to be >=0; unknown attribute "jiter"');
  });
});
