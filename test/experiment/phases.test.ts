// Phases from synthetic actions and node events: a cut link (detection at each end,
// propagation per side from that side's netsplit, recovery after it comes up), its latency
// bound, a toxic that breaks nothing, a toxic whose link a server gives up on, a crash, and a
// propagation that never completes.
import { describe, expect, it } from 'vitest';
import { type ActionRecord, FaultReplay } from '../../src/experiment/fault-replay.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { type NodeFact, measurePhases } from '../../src/experiment/phases.ts';
import type { Action } from '../../src/experiment/schema.ts';
import type { Topology } from '../../src/topology/schema.ts';

// 1 — 2 — 3, clients 101 on 1 and 103 on 3.
const topology: Topology = {
  name: 'chain',
  servers: [{ id: 1, name: 's1', info: '' }, { id: 2, name: 's2', info: '', join: 1 }, { id: 3, name: 's3', info: '', join: 2 }],
  clients: [{ id: 101, name: 'c101', info: '', server: 1 }, { id: 103, name: 'c103', info: '', server: 3 }],
};

const act = (index: number, t: number, action: Record<string, unknown>, extra: Partial<ActionRecord> = {}): ActionRecord => ({ index, t, action: action as Action, ...extra });
const forgot = (t: number, node: number, id: number): NodeFact => ({ type: 'host-forgotten', t, node, id });
const learned = (t: number, node: number, id: number): NodeFact => ({ type: 'host-learned', t, node, id });
const down = (t: number, node: number, peerId: number): NodeFact => ({ type: 'link-down', t, node, peerId });

/** Everything each side of 2-3 forgets when it is cut, and learns back when it comes up. */
function splitAndMend(split: number, mend: number): NodeFact[] {
  return [
    down(split + 1, 2, 3), down(split + 1.5, 3, 2),
    forgot(split + 1.2, 2, 3), forgot(split + 1.2, 2, 103), forgot(split + 3, 1, 3), forgot(split + 3, 1, 103), forgot(split + 4, 101, 103),
    forgot(split + 1.6, 3, 2), forgot(split + 1.6, 3, 1), forgot(split + 1.6, 3, 101), forgot(split + 2, 103, 101),
    learned(mend + 10, 2, 3), learned(mend + 10, 2, 103), learned(mend + 20, 1, 3), learned(mend + 20, 1, 103), learned(mend + 50, 101, 103),
    learned(mend + 10, 3, 2), learned(mend + 10, 3, 1), learned(mend + 10, 3, 101), learned(mend + 30, 103, 101),
  ];
}

describe('measurePhases', () => {
  it('a cut link: detection, propagation per side, recovery, and the latency bound', () => {
    const replay = new FaultReplay(topology, [
      act(0, 500, { do: 'latency', link: '2-1', toxic: parseToxicSpec({ type: 'latency', ms: 5 }) }),
      act(1, 1000, { do: 'down', link: '3-2', direction: 'both', how: 'close' }),
      act(2, 2000, { do: 'up', link: '3-2', direction: 'both' }),
    ]);
    const [row, ...rest] = measurePhases(replay, splitAndMend(1000, 2000), { t0: 0 });
    expect(rest).toEqual([]); // the latency toxic broke nothing
    // Nor does it when it sits on the cut link: the cut explains the netsplit.
    const onCut = new FaultReplay(topology, [
      act(0, 500, { do: 'latency', link: '3-2', toxic: parseToxicSpec({ type: 'latency', ms: 5 }) }),
      act(1, 1000, { do: 'down', link: '3-2', direction: 'both', how: 'close' }),
      act(2, 2000, { do: 'up', link: '3-2', direction: 'both' }),
    ]);
    expect(measurePhases(onCut, splitAndMend(1000, 2000), { t0: 0 }).map((r) => r.what)).toEqual(['down 3-2']);
    expect(row).toMatchObject({
      index: 1, what: 'down 3-2', kind: 'cut', atMs: 1000,
      detectionMs: 1, detectionBoundMs: 0,
      forgets: { expected: 9, seen: 9 },
      learns: { expected: 9, seen: 9 },
      recoveryMs: 50,
      // 1 and its client hear of the split over 2-1, which carries 5 ms.
      propagationBoundMs: 5,
      recoveryFloorMs: 5,
    });
    expect(row!.detectedBy).toEqual([{ server: 2, peer: 3, ms: 1, why: 'closed' }, { server: 3, peer: 2, ms: 1.5, why: 'closed' }]);
    // Side {1, 2}: 101 forgets last, 3 ms after 2's netsplit; side {3}: 0.5 ms after 3's.
    expect(row!.propagationMs).toBeCloseTo(3, 9);
  });

  it('a propagation that never completes, and a fault never cleared, are null', () => {
    const replay = new FaultReplay(topology, [act(0, 1000, { do: 'down', link: '3-2', direction: 'both', how: 'close' })]);
    const events = splitAndMend(1000, 2000).filter((e) => !(e.type === 'host-forgotten' && e.node === 101));
    const [row] = measurePhases(replay, events, { t0: 0 });
    expect(row).toMatchObject({ propagationMs: null, forgets: { expected: 9, seen: 8 }, recoveryMs: null, learns: { expected: 0, seen: 0 } });
  });

  it('recovery waits for the last relearn that sticks, and is null if a node ends without a host', () => {
    const replay = new FaultReplay(topology, [
      act(0, 1000, { do: 'down', link: '3-2', direction: 'both', how: 'close' }),
      act(1, 2000, { do: 'up', link: '3-2', direction: 'both' }),
      act(2, 5000, { do: 'quit', client: 101 }),
    ]);
    const events = [...splitAndMend(1000, 2000), forgot(2100, 1, 3), learned(2200, 1, 3)];
    expect(measurePhases(replay, events, { t0: 0 })[0]!.recoveryMs).toBe(200);
    const [row] = measurePhases(replay, [...splitAndMend(1000, 2000), forgot(2100, 1, 3)], { t0: 0 });
    expect(row).toMatchObject({ recoveryMs: null, learns: { expected: 9, seen: 8 } });
  });

  it('a silent fault is bounded by the liveness timeout plus one interval; a one-way cut is seen at once', () => {
    const liveness = { intervalMs: 250, timeoutMs: 1000 };
    const silent = new FaultReplay(topology, [act(0, 1000, { do: 'down', link: '3-2', direction: 'upstream', how: 'close', mode: 'silent' })]);
    // 2 hears nothing from 3 and gives up on it (ping timeout); 3 then sees the link close.
    const timedOut: NodeFact[] = [{ type: 'link-dead', t: 1000.9, node: 2, peerId: 3, reason: 'ping timeout' }, ...splitAndMend(1000, 9000)];
    const [row] = measurePhases(silent, timedOut, { t0: 0, liveness });
    expect(row).toMatchObject({ what: 'down 3-2 upstream silent', kind: 'silent', detectionBoundMs: 1250, detectionMs: 1 });
    expect(row!.detectedBy.map((d) => d.why)).toEqual(['ping timeout', 'closed']);
    const oneWay = new FaultReplay(topology, [act(0, 1000, { do: 'down', link: '3-2', direction: 'upstream', how: 'close', mode: 'cut' })]);
    expect(measurePhases(oneWay, splitAndMend(1000, 9000), { t0: 0, liveness })[0]).toMatchObject({ what: 'down 3-2 upstream', kind: 'one-way', detectionBoundMs: 0 });
  });

  it('a toxic counts only once a server gives up on its link; detection is from the toxic', () => {
    const bw = (t: number) => new FaultReplay(topology, [
      act(0, 1000, { do: 'toxic', link: '3-2', toxic: parseToxicSpec({ type: 'bandwidth', rate: 1, direction: 'downstream' }) }),
      act(1, t, { do: 'remove', link: '3-2', name: 'bandwidth_downstream' }),
    ]);
    expect(measurePhases(bw(3000), [], { t0: 0 })).toEqual([]);
    const events = splitAndMend(1800, 3000);
    const [row] = measurePhases(bw(3000), events, { t0: 0 });
    expect(row).toMatchObject({ what: 'bandwidth 3-2', kind: 'toxic', detectionMs: 801, detectionBoundMs: null, forgets: { expected: 9, seen: 9 }, recoveryMs: 50 });
    // The far side may hear of the cut only once the throttled bytes ahead of the close are
    // through, after the toxic is gone: still this fault's netsplit, measured from its own.
    const late = splitAndMend(1800, 3000).map((e) => (e.node === 3 || e.node === 103 ? { ...e, t: e.t + 1300 } : e));
    const [slow] = measurePhases(bw(3000), late, { t0: 0 });
    expect(slow).toMatchObject({ forgets: { expected: 9, seen: 9 }, propagationMs: 3 });
    expect(slow!.detectedBy).toEqual([{ server: 2, peer: 3, ms: 801, why: 'closed' }, { server: 3, peer: 2, ms: 2101.5, why: 'closed' }]);
  });

  it('a crash: detected by its neighbours, everyone forgets it and what is behind it', () => {
    const replay = new FaultReplay(topology, [
      act(0, 1000, { do: 'crash', server: 2 }, { gone: [2] }),
      act(1, 2000, { do: 'restart', server: 2 }),
    ]);
    const events: NodeFact[] = [
      down(1002, 1, 2), down(1003, 3, 2),
      forgot(1002.5, 1, 2), forgot(1002.5, 1, 3), forgot(1002.5, 1, 103), forgot(1004, 101, 103),
      forgot(1003.5, 3, 2), forgot(1003.5, 3, 1), forgot(1003.5, 3, 101), forgot(1005, 103, 101),
      // 2 comes back and learns everything; the others learn it and each other.
      learned(2010, 2, 1), learned(2010, 2, 101), learned(2020, 2, 3), learned(2020, 2, 103),
      learned(2011, 1, 2), learned(2021, 1, 3), learned(2021, 1, 103), learned(2022, 101, 103),
      learned(2020, 3, 2), learned(2021, 3, 1), learned(2021, 3, 101), learned(2040, 103, 101),
    ];
    const [row] = measurePhases(replay, events, { t0: 0 });
    expect(row).toMatchObject({
      kind: 'crash', detectionMs: 2,
      forgets: { expected: 8, seen: 8 }, propagationMs: 2, // 101 and 103 each 2 ms after their side's netsplit
      learns: { expected: 12, seen: 12 }, recoveryMs: 40,
    });
    expect(row!.detectedBy.map((d) => d.server)).toEqual([1, 3]);
  });
});
