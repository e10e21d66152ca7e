// parseTopology reports every issue of a topology document, not just the first, each naming
// the source and the field.
import { describe, expect, it } from 'vitest';
import { TopologyError, checkTopology, parseTopology } from '../../src/topology/schema.ts';

const server = (id: number, join?: number) => ({ id, name: `s${id}`, info: '', ...(join === undefined ? {} : { join }) });
const client = (id: number, on: number) => ({ id, name: `c${id}`, info: '', server: on });

function errors(doc: unknown): string[] {
  try {
    parseTopology(doc, 'topo.json');
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError);
    return (err as Error).message.split('\n');
  }
  throw new Error('the topology parsed, but it should not have');
}

describe('parseTopology', () => {
  it('reports every tree issue at once', () => {
    const doc = { name: 't', servers: [server(1, 2), server(2), server(1, 1), server(4, 9)], clients: [client(2, 1), client(5, 7)] };
    expect(errors(doc)).toEqual([
      'topo.json: servers.0.join: the first server is the root and joins nobody',
      'topo.json: servers.1.join: every server after the first must join an earlier one (the servers form one tree)',
      'topo.json: servers.2.id: id 1 is already used by server s1',
      'topo.json: servers.3.join: no server with id 9 is listed before this one',
      'topo.json: clients.0.id: id 2 is already used by server s2',
      'topo.json: clients.1.server: no server with id 7',
    ]);
  });

  it('reports every field issue at once, unknown keys named by their path', () => {
    const doc = { name: '', servers: [{ ...server(1), colour: 'red' }, { ...server(2, 1), id: 'two' }], extra: 1 };
    expect(errors(doc)).toEqual([
      expect.stringMatching(/^topo\.json: name: Too small/),
      'topo.json: servers.0.colour: unknown field "colour"',
      expect.stringMatching(/^topo\.json: servers\.1\.id: Invalid input: expected number/),
      'topo.json: extra: unknown field "extra"',
    ]);
  });

  it('a good topology parses; checkTopology gives the issues with paths, throwing nothing', () => {
    const good = { name: 't', servers: [server(1), server(2, 1)], clients: [client(3, 2)] };
    expect(parseTopology(good, 'topo.json')).toEqual(good);
    expect(checkTopology({ name: 't', servers: [server(1), server(2, 5)] })).toEqual({
      issues: [{ path: ['servers', 1, 'join'], message: 'no server with id 5 is listed before this one' }],
    });
  });
});
