// Liveness and down modes as data: a topology's optional `liveness`, an experiment's
// overriding it, and `mode` on partition / down / up; checked at parse, each error naming the
// file and the field.
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { ExperimentError } from '../../src/experiment/schema.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { TopologyError, parseTopology } from '../../src/topology/schema.ts';

const chain = resolveTopology('chain:3');

describe('liveness in a topology', () => {
  it('takes durations, or false for none; absent, the simulator defaults apply', () => {
    expect(parseTopology({ ...chain, liveness: { interval: '250ms', timeout: '1s' } }, 't.json').liveness).toEqual({ interval: 250, timeout: 1000 });
    expect(parseTopology({ ...chain, liveness: false }, 't.json').liveness).toBe(false);
    expect(parseTopology(chain, 't.json').liveness).toBeUndefined();
  });

  it('is checked: a zero interval, a timeout under two intervals, a stray field, a wrong type', () => {
    const parse = (liveness: unknown) => () => parseTopology({ ...chain, liveness }, 't.json');
    expect(parse({ interval: 0, timeout: 100 })).toThrow(/^t\.json: liveness\.interval: more than 0/);
    expect(parse({ interval: '100ms', timeout: '150ms' })).toThrow(/^t\.json: liveness\.timeout: at least twice the interval \(100 ms\)/);
    expect(parse({ interval: 100, timeout: 400, jitter: 3 })).toThrow(/^t\.json: liveness/);
    expect(parse(true)).toThrow(/^t\.json: liveness: false, or \{"interval"/);
    expect(parse({ interval: 'soon', timeout: 400 })).toThrow(TopologyError);
  });
});

describe('liveness and modes in an experiment', () => {
  const base = { name: 'x', topology: { ...chain, liveness: { interval: 200, timeout: 800 } } };

  it("an experiment's liveness overrides its topology's; without one, the topology's stands", () => {
    expect(parseExperiment({ ...base, liveness: { interval: '100ms', timeout: '400ms' } }, 'x.json').topology.liveness).toEqual({ interval: 100, timeout: 400 });
    expect(parseExperiment({ ...base, liveness: false }, 'x.json').topology.liveness).toBe(false);
    expect(parseExperiment(base, 'x.json').topology.liveness).toEqual({ interval: 200, timeout: 800 });
    expect(() => parseExperiment({ ...base, liveness: { interval: 100, timeout: 100 } }, 'x.json')).toThrow(/^x\.json: liveness\.timeout: at least twice/);
  });

  it('partition, down and up take a mode: cut by default on partition and down, none on up', () => {
    const exp = parseExperiment({
      ...base,
      timeline: [
        { at: '1s', do: 'partition', groups: [[1], [2, 3]], mode: 'silent' },
        { do: 'partition', groups: [[1], [2, 3]] },
        { do: 'down', link: '2-3', direction: 'upstream', mode: 'silent' },
        { do: 'down', link: '2-3', how: 'reset' },
        { do: 'up', link: '2-3', mode: 'silent' },
        { do: 'up', link: '2-3' },
      ],
    }, 'x.json');
    expect(exp.timeline.map((e) => ('mode' in e ? e.mode : undefined))).toEqual(['silent', 'cut', 'silent', 'cut', 'silent', undefined]);
    expect(() => parseExperiment({ ...base, timeline: [{ do: 'down', link: '2-3', mode: 'quiet' }] }, 'x.json')).toThrow(/^x\.json: timeline\.0\.mode: Invalid option/);
    expect(() => parseExperiment({ ...base, timeline: [{ do: 'hold', link: '2-3', mode: 'silent' }] }, 'x.json')).toThrow(ExperimentError);
  });
});
