// The consistency verdict on hand-written node states: a correct tree passes; each kind of
// wrong state fails with the host that has it named.
import { describe, expect, it } from 'vitest';
import { type ClientView, type LiveNetwork, type ServerView, checkConsistency, partsOf } from '../../src/experiment/consistency.ts';

//   1 — 2 — 3        clients: 101 on 1, 103 on 3, 104 on 4
//       |
//       4
const net: LiveNetwork = {
  servers: [1, 2, 3, 4],
  clients: [{ id: 101, server: 1 }, { id: 103, server: 3 }, { id: 104, server: 4 }],
  links: [[2, 1], [3, 2], [4, 2]],
};

const hosts = (pairs: Array<[number, number]>) => pairs.map(([id, firstLinkId]) => ({ id, firstLinkId }));

function correct(): { servers: Map<number, ServerView>; clients: Map<number, ClientView> } {
  return {
    servers: new Map<number, ServerView>([
      [1, { hosts: hosts([[2, 2], [3, 2], [4, 2], [101, 101], [103, 2], [104, 2]]), adjacentServerIds: [2], adjacentUserIds: [101] }],
      [2, { hosts: hosts([[1, 1], [3, 3], [4, 4], [101, 1], [103, 3], [104, 4]]), adjacentServerIds: [1, 3, 4], adjacentUserIds: [] }],
      [3, { hosts: hosts([[2, 2], [1, 2], [4, 2], [101, 2], [103, 103], [104, 2]]), adjacentServerIds: [2], adjacentUserIds: [103] }],
      [4, { hosts: hosts([[2, 2], [1, 2], [3, 2], [101, 2], [103, 2], [104, 104]]), adjacentServerIds: [2], adjacentUserIds: [104] }],
    ]),
    clients: new Map<number, ClientView>([
      [101, { connected: true, connectedUserIds: [103, 104] }],
      [103, { connected: true, connectedUserIds: [101, 104] }],
      [104, { connected: true, connectedUserIds: [101, 103] }],
    ]),
  };
}

const names = (id: number) => (id > 100 ? `c${id}` : `s${id}`);

function problemsOf(r: ReturnType<typeof checkConsistency>, id: number): string[] {
  return r.diff.find((d) => d.id === id)?.problems ?? [];
}

describe('checkConsistency', () => {
  it('a correct tree passes, as one part', () => {
    const r = checkConsistency(net, correct(), names);
    expect(r).toEqual({ consistent: true, parts: [[1, 2, 3, 4]], diff: [] });
  });

  it('a wrong next hop fails, naming the server, the host and both hops', () => {
    const seen = correct();
    seen.servers.set(1, { ...seen.servers.get(1)!, hosts: hosts([[2, 2], [3, 2], [4, 2], [101, 101], [103, 101], [104, 2]]) });
    const r = checkConsistency(net, seen, names);
    expect(r.consistent).toBe(false);
    expect(r.diff).toEqual([{ id: 1, name: 's1', kind: 'server', problems: ['next hop to 103 is 101, should be 2'] }]);
  });

  it('a missing host and an extra host fail, each at its server', () => {
    const seen = correct();
    seen.servers.set(3, { ...seen.servers.get(3)!, hosts: hosts([[2, 2], [1, 2], [101, 2], [103, 103], [104, 2]]) }); // forgot 4
    seen.servers.set(4, { ...seen.servers.get(4)!, hosts: [...seen.servers.get(4)!.hosts, { id: 999, firstLinkId: 2 }] });
    const r = checkConsistency(net, seen, names);
    expect(r.consistent).toBe(false);
    expect(problemsOf(r, 3)).toEqual(['missing hosts [4]']);
    expect(problemsOf(r, 4)).toEqual(['extra hosts [999]']);
    expect(r.diff.map((d) => d.id)).toEqual([3, 4]);
  });

  it('a client that knows too few or too many clients fails', () => {
    const seen = correct();
    seen.clients.set(101, { connected: true, connectedUserIds: [103] });
    seen.clients.set(104, { connected: false, connectedUserIds: [101, 103, 555] });
    const r = checkConsistency(net, seen, names);
    expect(problemsOf(r, 101)).toEqual(['missing clients [104]']);
    expect(problemsOf(r, 104)).toEqual(['not connected', 'extra clients [555]']);
    expect(r.diff.find((d) => d.id === 104)).toMatchObject({ name: 'c104', kind: 'client' });
  });

  it('a stale adjacency (a link that is down) fails at the server still claiming it', () => {
    // The link 4-2 went down: {1, 2, 3} and {4} are two parts. Everyone forgot correctly but 2
    // still lists 4 as adjacent.
    const split: LiveNetwork = { ...net, links: [[2, 1], [3, 2]] };
    const seen = {
      servers: new Map<number, ServerView>([
        [1, { hosts: hosts([[2, 2], [3, 2], [101, 101], [103, 2]]), adjacentServerIds: [2], adjacentUserIds: [101] }],
        [2, { hosts: hosts([[1, 1], [3, 3], [101, 1], [103, 3]]), adjacentServerIds: [1, 3, 4], adjacentUserIds: [] }],
        [3, { hosts: hosts([[2, 2], [1, 2], [101, 2], [103, 103]]), adjacentServerIds: [2], adjacentUserIds: [103] }],
        [4, { hosts: hosts([[104, 104]]), adjacentServerIds: [], adjacentUserIds: [104] }],
      ]),
      clients: new Map<number, ClientView>([
        [101, { connectedUserIds: [103] }],
        [103, { connectedUserIds: [101] }],
        [104, { connectedUserIds: [] }],
      ]),
    };
    const r = checkConsistency(split, seen, names);
    expect(r.parts).toEqual([[1, 2, 3], [4]]);
    expect(r.diff).toEqual([{ id: 2, name: 's2', kind: 'server', problems: ['adjacent servers extra [4]'] }]);
    // The same states with 2's adjacency right are consistent for the split network.
    seen.servers.set(2, { ...seen.servers.get(2)!, adjacentServerIds: [1, 3] });
    expect(checkConsistency(split, seen, names).consistent).toBe(true);
  });

  it('a routing loop fails, naming the servers on it', () => {
    // 2 sends toward 104 via 3, and 3 sends it back via 2.
    const seen = correct();
    seen.servers.set(2, { ...seen.servers.get(2)!, hosts: hosts([[1, 1], [3, 3], [4, 4], [101, 1], [103, 3], [104, 3]]) });
    const r = checkConsistency(net, seen, names);
    expect(problemsOf(r, 2)).toEqual(['next hop to 104 is 3, should be 4', 'routing loop toward 104: 2 → 3 → 2']);
  });

  it('an adjacency cycle fails at the server whose link closes it', () => {
    // 1 and 3 each also claim the other: 1-2, 2-3 and 3-1 form a cycle.
    const seen = correct();
    seen.servers.set(1, { ...seen.servers.get(1)!, adjacentServerIds: [2, 3] });
    seen.servers.set(3, { ...seen.servers.get(3)!, adjacentServerIds: [2, 1] });
    const r = checkConsistency(net, seen, names);
    expect(problemsOf(r, 1)).toEqual(['adjacent servers extra [3]']);
    expect(problemsOf(r, 2)).toEqual(['adjacency cycle: 2 → 3 → 1 → 2']);
    expect(problemsOf(r, 3)).toEqual(['adjacent servers extra [1]']);
  });

  it('a node whose state could not be read fails', () => {
    const seen = correct();
    seen.servers.delete(4);
    const r = checkConsistency(net, { ...seen, unreadable: new Map([[4, 'worker gone']]) }, names);
    expect(r.diff).toEqual([{ id: 4, name: 's4', kind: 'server', problems: ['state could not be read: worker gone'] }]);
  });

  it('parts: each component of the live links, servers with no live link alone', () => {
    expect(partsOf({ servers: [5, 1, 2, 3], clients: [], links: [[2, 1], [3, 9]] })).toEqual([[1, 2], [3], [5]]);
  });
});
