// The traffic audit on synthetic flows: clean, a duplicate, a reorder, losses a fault on the
// path excuses (until the sender's server knows the receiver again), and losses nothing
// excuses (no fault, a fault off the path, a toxic no server gave up on).
import { describe, expect, it } from 'vitest';
import { type ActionRecord, FaultReplay } from '../../src/experiment/fault-replay.ts';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { Knowledge, type NodeFact } from '../../src/experiment/knowledge.ts';
import type { Action } from '../../src/experiment/schema.ts';
import { type FlowDeliveries, auditFlow } from '../../src/experiment/traffic-audit.ts';
import type { Topology } from '../../src/topology/schema.ts';

// 1 — 2 — 3 and 4 on 2; clients 101 on 1, 103 on 3, 104 on 4.
const topology: Topology = {
  name: 't',
  servers: [{ id: 1, name: 's1', info: '' }, { id: 2, name: 's2', info: '', join: 1 }, { id: 3, name: 's3', info: '', join: 2 }, { id: 4, name: 's4', info: '', join: 2 }],
  clients: [{ id: 101, name: 'c101', info: '', server: 1 }, { id: 103, name: 'c103', info: '', server: 3 }, { id: 104, name: 'c104', info: '', server: 4 }],
};

/** 100 chats at 100/s from t = 0, each delivered 2 ms after it was sent unless `lost`; `order` rearranges arrivals. */
function flow(from: number, to: number, { lost = new Set<number>(), order = (xs: number[]) => xs } = {}): FlowDeliveries {
  const seqs = order([...Array(100).keys()].filter((s) => !lost.has(s)));
  return { from, to, rate: 100, sent: 100, startAt: 0, stopAt: 1000, seq: seqs, sentAt: seqs.map((s) => s * 10), deliveredAt: seqs.map((s) => s * 10 + 2) };
}
const range = (a: number, b: number) => new Set([...Array(b - a + 1).keys()].map((i) => a + i));
const act = (index: number, t: number, action: Record<string, unknown>): ActionRecord => ({ index, t, action: action as Action });

function audit(f: FlowDeliveries, actions: ActionRecord[] = [], facts: NodeFact[] = []) {
  return auditFlow(f, { topology, replay: new FaultReplay(topology, actions), knowledge: new Knowledge(facts), t0: 0 });
}

// 3-2 is cut at 300 ms and comes up at 600 ms; server 1 forgets 103 at 302 ms and learns it again at 650 ms.
const cut = [act(0, 300, { do: 'down', link: '3-2', direction: 'both', how: 'close' }), act(1, 600, { do: 'up', link: '3-2', direction: 'both' })];
const split: NodeFact[] = [{ type: 'host-forgotten', t: 302, node: 1, id: 103 }, { type: 'host-learned', t: 650, node: 1, id: 103 }];

describe('auditFlow', () => {
  it('every chat once and in order: ok', () => {
    expect(audit(flow(101, 103))).toEqual({
      from: 101, to: 103, sent: 100, delivered: 100, duplicated: 0, reordered: 0, lost: 0, lostToFaults: [], lostUnexplained: 0, examples: [], ok: true,
    });
  });

  it('a chat delivered twice fails', () => {
    const r = audit(flow(101, 103, { order: (xs) => [...xs.slice(0, 6), 5, ...xs.slice(6)] }));
    expect(r).toMatchObject({ duplicated: 1, reordered: 0, delivered: 100, ok: false, examples: ['chat 5 delivered twice'] });
  });

  it('a chat delivered after a later one fails', () => {
    const r = audit(flow(101, 103, { order: (xs) => [...xs.slice(0, 7), 8, 7, ...xs.slice(9)] }));
    expect(r).toMatchObject({ duplicated: 0, reordered: 1, ok: false, examples: ['chat 7 delivered after 8'] });
  });

  it('chats lost while a fault broke the path, until the sender\'s server relearned the receiver, are excused', () => {
    // Sent from 300 ms (one in flight: 29, sent at 290, lost as the link went) to 640 ms.
    const r = audit(flow(101, 103, { lost: range(29, 64) }), cut, split);
    expect(r).toMatchObject({ lost: 36, lostUnexplained: 0, ok: true, lostToFaults: [{ index: 0, what: 'down 3-2', lost: 36 }] });
  });

  it('an up that closes a silent link\'s connections is a cut until the sender\'s server relearns', () => {
    // 3-2 silent one way from 300 ms, up at 600 ms; the up closes the connections that lost bytes:
    // server 1 forgets 103 at 607 ms and learns it again at 708 ms. Chats sent 607..700 are lost.
    const silent = [act(0, 300, { do: 'down', link: '3-2', direction: 'downstream', mode: 'silent' }), act(1, 600, { do: 'up', link: '3-2', direction: 'downstream', mode: 'silent' })];
    // (A one-way silent fault need not be detected: server 1 knew 103 all along until the up.)
    const facts: NodeFact[] = [{ type: 'host-learned', t: 0, node: 1, id: 103 }, { type: 'host-forgotten', t: 607, node: 1, id: 103 }, { type: 'host-learned', t: 708, node: 1, id: 103 }];
    const r = audit(flow(101, 103, { lost: range(61, 70) }), silent, facts);
    expect(r).toMatchObject({ lost: 10, lostUnexplained: 0, ok: true, lostToFaults: [{ index: 0, lost: 10 }] });
    // Losses after it relearned are still not excused.
    expect(audit(flow(101, 103, { lost: range(75, 76) }), silent, facts)).toMatchObject({ lostUnexplained: 2, ok: false });
  });

  it('the same losses without a fault, or long after it, are not', () => {
    expect(audit(flow(101, 103, { lost: range(29, 64) }))).toMatchObject({ lost: 36, lostUnexplained: 36, ok: false });
    const late = audit(flow(101, 103, { lost: new Set([80]) }), cut, split);
    expect(late).toMatchObject({ lost: 1, lostUnexplained: 1, lostToFaults: [], ok: false, examples: ['chat 80 (sent between 0.800 and 0.810 s) lost outside any fault'] });
  });

  it('a sender cut off stops sending: its last chat is excused by the cut it went into', () => {
    // 51 sent; 0..49 arrive, 50 went out (at ~500 ms) into the link as it was cut.
    const f = { ...flow(101, 103), sent: 51 };
    const arrived = { ...f, seq: f.seq.slice(0, 50), sentAt: f.sentAt.slice(0, 50), deliveredAt: f.deliveredAt.slice(0, 50) };
    const leave = [act(0, 500, { do: 'down', link: '101-1', direction: 'both', how: 'close' }), act(1, 700, { do: 'up', link: '101-1', direction: 'both' })];
    expect(audit(arrived, leave)).toMatchObject({ lost: 1, lostUnexplained: 0, lostToFaults: [{ what: 'down 101-1', lost: 1 }] });
  });

  it('a long run of losses: each chat is placed by its turn in the sender\'s schedule, not spread evenly to the next delivery', () => {
    // Chats 30..69 went out on time (300..690 ms) and were lost until the sender's server knew
    // the receiver again at 695 ms; then the sender stalled, so chat 70 left only at 900 ms.
    const base = flow(101, 103, { lost: range(30, 69) });
    const f = { ...base, sentAt: base.seq.map((q) => (q >= 70 ? q * 10 + 200 : q * 10)) };
    const away = [act(0, 300, { do: 'quit', client: 103 }), act(1, 600, { do: 'join', client: 103 })];
    const facts: NodeFact[] = [{ type: 'host-forgotten', t: 301, node: 1, id: 103 }, { type: 'host-learned', t: 695, node: 1, id: 103 }];
    expect(audit(f, away, facts)).toMatchObject({ lost: 40, lostUnexplained: 0, lostToFaults: [{ what: 'quit 103', lost: 40 }] });
    // Chats due after the window are not excused, however late the next delivery.
    const late = flow(101, 103, { lost: range(30, 79) });
    expect(audit({ ...late, sentAt: late.seq.map((q) => (q >= 80 ? q * 10 + 200 : q * 10)) }, away, facts)).toMatchObject({ lost: 50, lostUnexplained: 9 });
  });

  it('a fault on a link the flow does not cross excuses nothing', () => {
    const off = [act(0, 300, { do: 'down', link: '2-1', direction: 'both', how: 'close' }), act(1, 600, { do: 'up', link: '2-1', direction: 'both' })];
    expect(audit(flow(103, 104, { lost: range(35, 40) }), off)).toMatchObject({ lostUnexplained: 6, ok: false });
    expect(audit(flow(101, 104, { lost: range(35, 40) }), off)).toMatchObject({ lostUnexplained: 0, ok: true });
  });

  it('a toxic excuses losses only if a server gave up on its link', () => {
    const toxic = [act(0, 300, { do: 'toxic', link: '3-2', toxic: parseToxicSpec({ type: 'bandwidth', rate: 1 }) }), act(1, 600, { do: 'remove', link: '3-2', name: 'bandwidth_both' })];
    const f = flow(101, 103, { lost: range(35, 40) });
    expect(audit(f, toxic)).toMatchObject({ lostUnexplained: 6, ok: false });
    expect(audit(f, toxic, [{ type: 'link-down', t: 420, node: 2, peerId: 3 }])).toMatchObject({ lostUnexplained: 0, ok: true, lostToFaults: [{ what: 'bandwidth 3-2', lost: 6 }] });
  });

  it('chats to a receiver that left are excused until it is known again', () => {
    const away = [act(0, 300, { do: 'quit', client: 103 }), act(1, 500, { do: 'join', client: 103 })];
    const facts: NodeFact[] = [{ type: 'host-forgotten', t: 301, node: 1, id: 103 }, { type: 'host-learned', t: 520, node: 1, id: 103 }];
    expect(audit(flow(101, 103, { lost: range(30, 51) }), away, facts)).toMatchObject({ lostUnexplained: 0, lostToFaults: [{ what: 'quit 103', lost: 22 }] });
    // Lost up to 700 ms: those sent after 520 ms (give or take one 10 ms interval) are not excused.
    expect(audit(flow(101, 103, { lost: range(30, 70) }), away, facts)).toMatchObject({ lostUnexplained: 17, ok: false });
  });
});
