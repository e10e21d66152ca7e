// Servers that join at the same time (as the coordinator starts them) must still converge:
// a host learned while a server's own join is in flight has to cross the new link too.
import { describe, expect, it } from 'vitest';
import { MemoryNet } from '../../src/memory/net.ts';
import { sortedIds } from './helpers.ts';

// middle-earth: [id, parent]
const TREE: Array<[number, number | undefined]> = [
  [1, undefined], [2, 1], [3, 1], [4, 2], [5, 2], [6, 4], [7, 4], [8, 2], [9, 6], [10, 7], [11, 7],
];

describe('concurrent joins', () => {
  for (const order of ['parents first', 'children first'] as const) {
    for (const chunkSeed of [undefined, 3, 17]) {
      it(`all eleven servers dial at once (${order}, chunking ${chunkSeed ?? 'none'}) and every server learns every other`, () => {
        const net = new MemoryNet({ chunkSeed });
        for (const [id] of TREE) net.addServer(id, `s${id}`, 'x');
        net.paused = true; // nothing is delivered until every link is dialled
        const links = TREE.filter(([, p]) => p !== undefined);
        for (const [id, parent] of order === 'parents first' ? links : [...links].reverse()) net.link(`s${id}`, `s${parent}`);
        net.run();
        for (const [id] of TREE) {
          expect(sortedIds(net.server(`s${id}`).core.hostIds()), `s${id}`).toEqual(TREE.map(([i]) => i).filter((i) => i !== id));
        }
      });
    }
  }

  it('a client registering at a server whose join is still in flight reaches the rest of the tree', () => {
    const net = new MemoryNet();
    net.addServer(1, 'root', 'x');
    net.addServer(2, 'mid', 'x');
    net.addClient(201, 'early', 'x', 'mid'); // mid knows a client before it joins anyone
    net.paused = true;
    net.link('mid', 'root');
    net.addClient(101, 'c1', 'x', 'root');
    net.run();
    expect(sortedIds(net.server('root').core.hostIds())).toEqual([2, 101, 201]);
    expect(sortedIds(net.client('c1').core.connectedUserIds())).toEqual([201]);
    expect(sortedIds(net.client('early').core.connectedUserIds())).toEqual([101]);
  });
});
