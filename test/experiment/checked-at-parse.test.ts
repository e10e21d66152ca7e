// An experiment file is checked completely when it is parsed, before anything starts: toxic
// specs by the toxic registry (as the proxy would check them), the topology resolved, every
// reference against it; every issue reported, each naming the file, the path and the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile, parseExperiment } from '../../src/experiment/parse.ts';
import { ExperimentError } from '../../src/experiment/schema.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

// s1-s2-s3; clients 100001 on s1, 100002 on s2.
const topology = resolveTopology('chain:3', { clients: 2 });
const base = { name: 'v', topology };

/** The error's lines, for a document that must not parse. */
function errors(doc: unknown, file = 'v.json'): string[] {
  try {
    parseExperiment(doc, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentError);
    return (err as Error).message.split('\n');
  }
  throw new Error(`${file} parsed, but it should not have`);
}
const timeline = (...entries: unknown[]) => ({ ...base, timeline: entries });

describe('toxic specs are checked by the toxic registry', () => {
  it('an unknown attribute names its path', () => {
    const doc = timeline({ do: 'heal' }, { do: 'heal' }, { do: 'heal' }, { do: 'toxic', link: '1-2', toxic: { type: 'latency', msec: 50 } });
    expect(errors(doc, 'exp.json')).toContain('exp.json: timeline.3.toxic.msec: unknown attribute "msec"');
  });

  it('an unknown type, out-of-range values, a wrong direction, a missing attribute', () => {
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'latencyy', ms: 1 } }))[0])
      .toMatch(/^v\.json: timeline\.0\.toxic\.type: unknown toxic type "latencyy" \(known: latency, .*slicer/);
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'latency', ms: -5 } }))).toEqual([expect.stringMatching(/^v\.json: timeline\.0\.toxic\.ms: Too small/)]);
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'latency', ms: 5, toxicity: 2 } }))[0]).toMatch(/^v\.json: timeline\.0\.toxic\.toxicity: Too big/);
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'latency', ms: 5, direction: 'sideways' } }))[0]).toMatch(/^v\.json: timeline\.0\.toxic\.direction: Invalid option/);
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'bandwidth' } }))[0]).toMatch(/^v\.json: timeline\.0\.toxic\.rate: /);
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { ms: 5 } }))[0]).toMatch(/^v\.json: timeline\.0\.toxic\.type: /);
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: 5 }))[0]).toMatch(/^v\.json: timeline\.0\.toxic: a toxic spec like/);
  });

  it("a toxic's own refinements apply (slicer: size_variation < average_size)", () => {
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'slicer', average_size: 3, size_variation: 3 } }))[0])
      .toMatch(/^v\.json: timeline\.0\.toxic\.size_variation: size_variation must be smaller than average_size/);
  });

  it('a good toxic spec is parsed once, into the ToxicInfo the proxy takes as it is', () => {
    const toxic = { type: 'slicer', average_size: 8, direction: 'downstream' };
    const entry = parseExperiment(timeline({ do: 'toxic', link: '2-1', toxic }), 'v.json').timeline[0];
    expect(entry).toEqual({ do: 'toxic', link: '2-1', toxic: parseToxicSpec(toxic) });
    expect(entry).toMatchObject({ toxic: { name: 'slicer_downstream', type: 'slicer', direction: 'downstream', toxicity: 1, attributes: { average_size: 8 } } });
  });
});

describe("the latency action is the latency toxic's schema", () => {
  it('its bounds are the toxic\'s: ms at most one hour, jitter not negative', () => {
    expect(errors(timeline({ do: 'latency', link: '1-2', ms: 3_600_001 }))[0]).toMatch(/^v\.json: timeline\.0\.ms: Too big/);
    expect(errors(timeline({ do: 'latency', link: '1-2', ms: 5, jitter: -1 }))[0]).toMatch(/^v\.json: timeline\.0\.jitter: Too small/);
    expect(errors(timeline({ do: 'latency', link: '1-2', ms: 5, distribution: 'pareto' }))[0]).toMatch(/^v\.json: timeline\.0\.distribution: Invalid option/);
    expect(errors(timeline({ do: 'latency', link: '1-2', ms: 5, jiter: 1 }))).toEqual(['v.json: timeline.0.jiter: unknown attribute "jiter"']);
    expect(errors(timeline({ do: 'latency', link: '1-2', ms: 5, type: 'bandwidth' }))[0]).toMatch(/^v\.json: timeline\.0\.type: unknown field "type"/);
  });

  it('parses to a latency toxic as the proxy takes it: defaults filled, the name as the proxy would give it', () => {
    const exp = parseExperiment(timeline(
      { at: '1s', do: 'latency', link: '1-2', ms: 20 },
      { do: 'latency', link: '2-3', ms: 5, jitter: 2, distribution: 'normal', direction: 'upstream', name: 'slow' },
    ), 'v.json');
    expect(exp.timeline).toEqual([
      { at: 1000, do: 'latency', link: '1-2', toxic: { name: 'latency_both', type: 'latency', direction: 'both', toxicity: 1, attributes: { ms: 20, jitter: 0, distribution: 'uniform' } } },
      { at: undefined, do: 'latency', link: '2-3', toxic: { name: 'slow', type: 'latency', direction: 'upstream', toxicity: 1, attributes: { ms: 5, jitter: 2, distribution: 'normal' } } },
    ]);
  });
});

describe('references are checked against the topology when the file is parsed', () => {
  // Replaces schema.test.ts's "runner-level validation": the same documents, now refused by parseExperiment.
  it('a link that is not in the topology names timeline.N.link', () => {
    expect(errors(timeline({ at: '1s', do: 'heal' }, { do: 'down', link: '1-3' }))).toEqual(['v.json: timeline.1.link: no link between 1 and 3 in chain:3']);
    expect(errors(timeline({ do: 'latency', link: '3-2', ms: 5 }, { do: 'hold', link: '3-9' }))).toEqual(['v.json: timeline.1.link: no link between 3 and 9 in chain:3']);
    expect(errors(timeline({ do: 'up', link: '100001-2' }))).toEqual(['v.json: timeline.0.link: no link between 100001 and 2 in chain:3']);
  });

  it('a client, or a server, not in the topology names the field', () => {
    expect(errors({ ...base, traffic: [{ from: 100001, to: 100009, rate: 10 }] })).toEqual(['v.json: traffic.0.to: no client 100009 in chain:3']);
    expect(errors({ ...base, traffic: [{ from: 100001, to: 100002, rate: 10 }, { from: 7, to: 100002, rate: 10 }] })).toEqual(['v.json: traffic.1.from: no client 7 in chain:3']);
    expect(errors(timeline({ do: 'quit', client: 100005 }))).toEqual(['v.json: timeline.0.client: no client 100005 in chain:3']);
    expect(errors(timeline({ do: 'crash', server: 4 }))).toEqual(['v.json: timeline.0.server: no server 4 in chain:3']);
    expect(errors(timeline({ expect: 'forgotten', id: 100001, within: '1s', by: [1, 9] }))).toEqual(['v.json: timeline.0.by.1: no server 9 in chain:3']);
  });

  it('traffic endpoints are clients, not servers; a check names a host of the topology', () => {
    expect(errors({ ...base, traffic: [{ from: 1, to: 100002, rate: 10 }] })).toEqual(['v.json: traffic.0.from: no client 1 in chain:3']);
    expect(errors(timeline({ expect: 'known', id: 55, within: '1s' }))).toEqual(['v.json: timeline.0.id: no server or client 55 in chain:3']);
  });

  it("a client's link needs the client in proxyClients", () => {
    expect(errors(timeline({ do: 'down', link: '100001-1' }))).toEqual(["v.json: timeline.0.link: client 100001's link is direct; list it in proxyClients"]);
    expect(parseExperiment({ ...timeline({ do: 'down', link: '1-100001' }), proxyClients: [100001] }, 'v.json').timeline).toHaveLength(1);
    expect(parseExperiment({ ...timeline({ do: 'down', link: '100002-2' }), proxyClients: 'all' }, 'v.json').timeline).toHaveLength(1);
  });

  it('proxyLinks are server links; a fault on a link left out of them is refused', () => {
    expect(errors({ ...base, proxyLinks: ['1-3', '100001-1', '2-1'] })).toEqual([
      'v.json: proxyLinks.0: no link between 1 and 3 in chain:3',
      "v.json: proxyLinks.1: 100001-1 is a client's link; list the client in proxyClients",
    ]);
    expect(errors({ ...timeline({ do: 'hold', link: '3-2' }), proxyLinks: ['1-2'] })).toEqual(['v.json: timeline.0.link: the link 3-2 is direct; list it in proxyLinks']);
    expect(errors({ ...base, proxyClients: [100001, 7] })).toEqual(['v.json: proxyClients.1: no client 7 in chain:3']);
  });

  it('partition groups: servers of the topology, each in one group, cutting only proxied links', () => {
    expect(errors(timeline({ do: 'partition', groups: [[1, 9]] }))).toEqual(['v.json: timeline.0.groups.0.1: no server 9 in chain:3']);
    expect(errors(timeline({ do: 'partition', groups: [[1], [1, 2]] }))).toEqual(['v.json: timeline.0.groups.1.0: server 1 is already in group 0']);
    expect(errors({ ...timeline({ do: 'partition', groups: [[1, 2]] }), proxyLinks: ['1-2'] })).toEqual(['v.json: timeline.0.groups: cuts the direct link 3-2; list it in proxyLinks']);
    expect(parseExperiment({ ...timeline({ do: 'partition', groups: [[1], [2, 3]] }), proxyLinks: ['1-2'] }, 'v.json').timeline).toHaveLength(1);
  });

  it('several issues at once: every one is reported, each on its own line', () => {
    const lines = errors({
      ...base,
      traffic: [{ from: 100001, to: 100009, rate: 10 }],
      timeline: [{ do: 'crash', server: 4 }, { do: 'down', link: '1-3' }, { do: 'quit', client: 100005 }],
    }, 'many.json');
    expect(lines).toEqual([
      'many.json: traffic.0.to: no client 100009 in chain:3',
      'many.json: timeline.0.server: no server 4 in chain:3',
      'many.json: timeline.1.link: no link between 1 and 3 in chain:3',
      'many.json: timeline.2.client: no client 100005 in chain:3',
    ]);
    // Shape issues in several entries, toxic attributes among them, come together too.
    expect(errors(timeline({ do: 'toxic', link: '1-2', toxic: { type: 'latency', msec: 1 } }, { do: 'crash' }, { do: 'latency', link: '1-2', ms: -1 }))).toEqual([
      'v.json: timeline.0.toxic.ms: Invalid input: expected number, received undefined',
      'v.json: timeline.0.toxic.msec: unknown attribute "msec"',
      'v.json: timeline.1.server: Invalid input: expected number, received undefined',
      'v.json: timeline.2.ms: Too small: expected number to be >=0',
    ]);
  });
});

describe('the topology is resolved when the file is parsed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crc-exp-topo-'));

  it('an unknown generator spec, or a bad inline topology with every issue', () => {
    expect(errors({ name: 'v', topology: 'ring:5' })).toEqual([expect.stringMatching(/^v\.json: topology: unknown topology 'ring:5'/)]);
    expect(errors({ name: 'v', topology: 5 })[0]).toMatch(/^v\.json: topology: a generator spec/);
    const inline = { name: 't', servers: [{ id: 1, name: 'a', info: '' }, { id: 2, name: 'b', info: '', join: 9 }], clients: [{ id: 2, name: 'c', info: '', server: 1 }] };
    expect(errors({ name: 'v', topology: inline })).toEqual([
      'v.json: topology.servers.1.join: no server with id 9 is listed before this one',
      'v.json: topology.clients.0.id: id 2 is already used by server b',
    ]);
  });

  it('a topology file with issues: each names the experiment and the topology file', () => {
    const topo = join(dir, 'bad-topo.json');
    writeFileSync(topo, JSON.stringify({ name: 't', servers: [{ id: 1, name: 'a', info: '', colour: 'red' }] }));
    const exp = join(dir, 'uses-bad.json');
    writeFileSync(exp, JSON.stringify({ name: 'v', topology: topo }));
    expect(() => loadExperimentFile(exp)).toThrow(`${exp}: topology: ${topo}: servers.0.colour: unknown field "colour"`);
  });

  it('the parsed experiment carries the resolved topology', () => {
    expect(parseExperiment({ name: 'v', topology: 'chain:3' }, 'v.json').topology).toEqual(resolveTopology('chain:3'));
    expect(parseExperiment(base, 'v.json').topology).toEqual(topology);
  });
});
