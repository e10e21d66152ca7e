// The dashboard's model without a view: the tree's rows, the event log's aggregation, link
// states from fault data, and rates from counter samples.
import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { linkState } from '../../src/ui/dashboard/link-state.ts';
import { loadFlows } from '../../src/ui/dashboard/load.ts';
import { DashboardState } from '../../src/ui/dashboard/state.ts';
import { selectableItems, treeRows } from '../../src/ui/dashboard/tree.ts';
import { sparkline } from '../../src/ui/dashboard/view/format.ts';

const ME = resolveTopology('middle-earth');
const T0 = 1_000_000;
const ev = (e: Record<string, unknown>, t = T0 + 100) => ({ t, ...e }) as unknown as SimEvent;

function started(): DashboardState {
  const state = new DashboardState(ME, { startedAt: T0, seed: 1, proxied: true });
  const links = ME.servers.filter((s) => s.join !== undefined).map((s) => ({ kind: 'server' as const, child: s.id, parent: s.join!, proxy: `link-${s.id}-${s.join}` }));
  state.started(new Map(ME.servers.map((s) => [s.id, 40_000 + s.id])), links);
  return state;
}

describe('the tree', () => {
  it('lists middle-earth depth-first, each server followed by its clients, then the servers that joined it', () => {
    const rows = treeRows(ME);
    expect(rows).toHaveLength(19);
    expect(rows.slice(0, 6).map((r) => `${r.prefix}${r.id}`)).toEqual(['1', '├─ 101', '├─ 102', '├─ 2', '│  ├─ 103', '│  ├─ 4']);
    expect(rows.at(-1)).toMatchObject({ id: 104, prefix: '   └─ ', parent: 3 });
    // A chain deep enough to overflow a recursive walk.
    expect(treeRows(resolveTopology('chain:20000'))).toHaveLength(20000);
  });

  it('puts each server link just before the server that dialled it in the arrow-key order', () => {
    const items = selectableItems(treeRows(ME), (a) => ME.servers.some((s) => s.id === a));
    expect(items.slice(0, 5)).toEqual([{ kind: 'server', id: 1 }, { kind: 'client', id: 101 }, { kind: 'client', id: 102 }, { kind: 'link', child: 2, parent: 1 }, { kind: 'server', id: 2 }]);
    expect(items).toHaveLength(29);
  });

  it('loads the clients at the ends of the longest path first, both ways', () => {
    expect(loadFlows(ME).slice(0, 2)).toEqual([{ from: 108, to: 104 }, { from: 104, to: 108 }]);
    expect(loadFlows(ME)).toHaveLength(4);
  });
});

describe('link states', () => {
  const f = (over: object) => ({ cut: undefined, upstream: { down: undefined, held: false }, downstream: { down: undefined, held: false }, toxics: [], ...over });
  it('name a cut, a silent partition, a hold and a one-way cut, cut first; a toxic named "silent" is only a toxic', () => {
    expect(linkState(f({}))).toBe('up');
    expect(linkState(f({ cut: 'close', upstream: { down: 'cut', held: false }, downstream: { down: 'silent', held: false } }))).toBe('cut');
    expect(linkState(f({ toxics: ['latency-1', 'silent'] }))).toBe('up');
    expect(linkState(f({ downstream: { down: undefined, held: true } }))).toBe('held');
    expect(linkState(f({ upstream: { down: 'silent', held: false } }))).toBe('silent');
    expect(linkState(f({ upstream: { down: 'cut', held: false } }))).toBe('cut');
    expect(linkState(undefined)).toBe('direct');
  });

  it('show in the rows from the fault data, with their toxics', () => {
    const state = started();
    state.setLinkFaults(7, 4, f({ upstream: { down: 'silent', held: false }, downstream: { down: 'silent', held: false }, toxics: ['latency-1'] }));
    state.setLinkFaults(2, 1, f({ cut: 'close' }));
    const rows = state.frame(T0 + 500).rows;
    expect(rows.find((r) => r.id === 7)!.link).toEqual({ state: 'silent', toxics: ['latency-1'] });
    expect(rows.find((r) => r.id === 2)!.link).toEqual({ state: 'cut', toxics: [] });
    expect(rows.find((r) => r.id === 1)!.link).toBeUndefined();
  });
});

describe('the event log', () => {
  it('turns a burst of forgettings into one line per reason at the next frame, in event-time order', () => {
    const state = started();
    state.setConvergence(true, 0, T0 + 50);
    state.simEvent(ev({ type: 'link-down', node: 4, peerId: 2, kind: 'server', conn: 1, lost: 10 }, T0 + 200));
    for (const node of [4, 6]) for (const id of [1, 2, 3]) state.simEvent(ev({ type: 'host-forgotten', node, id, kind: 'server', reason: 'netsplit' }, T0 + 210));
    state.simEvent(ev({ type: 'host-forgotten', node: 1, id: 105, kind: 'client', reason: 'quit' }, T0 + 150));
    for (let i = 0; i < 50; i++) state.simEvent(ev({ type: 'chat-delivered', node: 104, from: 108, to: 104, content: 'x' }));
    const log = state.frame(T0 + 300).log.map((l) => `${l.atMs} ${l.kind} ${l.text}`);
    expect(log).toEqual([
      '50 info converged in 0.05 s',
      '150 quit 1 node forgot peregrin (105) (quit)',
      '200 netsplit lothlorien (4) lost its link to rivendale (2): 10 hosts behind it',
      '210 netsplit 2 nodes forgot theshire (1), rivendale (2), grey_havens (3) (netsplit)',
    ]);
    // Chats are counted, never logged.
    expect(state.frame(T0 + 400).totals.delivered).toBe(50);
  });

  it('keeps quiet about joins until the network first converges', () => {
    const state = started();
    state.simEvent(ev({ type: 'host-learned', node: 2, id: 1, kind: 'server', name: 'theshire', firstLinkId: 1 }));
    expect(state.frame(T0 + 200).log).toEqual([]);
    state.setConvergence(true, 0, T0 + 300);
    state.simEvent(ev({ type: 'host-learned', node: 2, id: 105, kind: 'client', name: 'peregrin', firstLinkId: 4 }, T0 + 400));
    state.simEvent(ev({ type: 'host-learned', node: 1, id: 105, kind: 'client', name: 'peregrin', firstLinkId: 2 }, T0 + 401));
    expect(state.frame(T0 + 500).log.map((l) => l.text)).toEqual(['converged in 0.30 s', '2 nodes learned peregrin (105)']);
  });

  it('names a silent partition as silent (bytes dropped, nothing closed), a cut by how it closes', () => {
    const state = started();
    const proxy = (e: Record<string, unknown>, t: number) => state.proxyEvent({ proxy: 'link-7-4', t: T0 + t, ...e } as never);
    proxy({ type: 'link-down', direction: 'both', how: 'close', mode: 'silent' }, 100);
    proxy({ type: 'link-up', direction: 'both', mode: 'silent' }, 200);
    proxy({ type: 'link-down', direction: 'upstream', how: 'reset', mode: 'cut' }, 300);
    proxy({ type: 'link-up', direction: 'upstream' }, 400);
    const lines = state.frame(T0 + 500).log.map((l) => `${l.atMs} ${l.text}`);
    expect(lines).toEqual([
      '100 link 7-4 (minastirith–lothlorien) silent both (bytes dropped, connections open)',
      '200 link 7-4 (minastirith–lothlorien) up both (silent partition over)',
      '300 link 7-4 (minastirith–lothlorien) down upstream (reset)',
      '400 link 7-4 (minastirith–lothlorien) up upstream',
    ]);
  });

  it('says a line a second, not one a frame, about chats refused for an unknown destination', () => {
    const state = started();
    const refused = (t: number) => state.simEvent(ev({ type: 'unknown-destination', node: 1, from: 101, to: 105 }, T0 + t));
    refused(100);
    refused(150);
    state.frame(T0 + 200);
    refused(300);
    state.frame(T0 + 400);
    refused(1200);
    const lines = state.frame(T0 + 1300).log.map((l) => `${l.atMs} ${l.text}`);
    expect(lines).toEqual(['100 2 chats refused: unknown destination', '300 2 chats refused: unknown destination']);
  });
});

describe('rates', () => {
  it('come from two counter samples a second apart; delivered chats make the sparkline', () => {
    const state = started();
    state.sample(T0 + 1000, new Map([[1, { msgsIn: 100, msgsOut: 200, pending: 0 }]]));
    for (let i = 0; i < 300; i++) state.simEvent(ev({ type: 'chat-delivered', node: 101, from: 104, to: 101, content: '' }));
    state.sample(T0 + 2000, new Map([[1, { msgsIn: 600, msgsOut: 1200, pending: 77 }], [2, undefined]]));
    const s = state.frame(T0 + 2000);
    expect(s.rows[0]).toMatchObject({ id: 1, inRate: 500, outRate: 1000, pending: 77 });
    expect(s.totals).toEqual({ inRate: 500, outRate: 1000, pending: 77, delivered: 300 });
    expect(s.throughput).toEqual([0, 300]);
    expect(sparkline([0, 300, 150], 5)).toBe('▁█▅  ');
  });

  it('forget a host marked down until it is back', () => {
    const state = started();
    state.sample(T0 + 1000, new Map([[4, { msgsIn: 1, msgsOut: 1, pending: 0 }]]));
    state.setKnowledge(4, 18, 18, true);
    state.markDown([4]);
    const row = state.frame(T0 + 1100).rows.find((r) => r.id === 4)!;
    expect(row).toMatchObject({ up: false, known: undefined, inRate: undefined });
    state.markUp([4]);
    expect(state.frame(T0 + 1200).rows.find((r) => r.id === 4)!.up).toBe(true);
  });
});
