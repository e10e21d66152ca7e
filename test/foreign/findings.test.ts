// Which problems are foreign servers' (pure): at a foreign host, or at ours about hosts whose
// tree path crosses one; the rest stay ours. The verdict leaves findings out of PASS/FAIL.
import { describe, expect, it } from 'vitest';
import { attribute, observations, problemOf, treePath, verdictWithFindings } from '../../src/experiment/foreign-findings.ts';
import type { Verdict } from '../../src/experiment/verdict.ts';
import type { Topology } from '../../src/topology/schema.ts';

// 1 - 2 - 3 - 4 (a chain), 5 joins 1; client 101 on 1, 104 on 4; server 3 is a course server.
const topology: Topology = {
  name: 't',
  servers: [
    { id: 1, name: 's1', info: '' }, { id: 2, name: 's2', info: '', join: 1 },
    { id: 3, name: 's3', info: '', join: 2, impl: { course: 'DIR' } }, { id: 4, name: 's4', info: '', join: 3 },
    { id: 5, name: 's5', info: '', join: 1 },
  ],
  clients: [{ id: 101, name: 'c101', info: '', server: 1 }, { id: 104, name: 'c104', info: '', server: 4 }],
};
const name = (id: number) => `n${id}`;

describe('foreign findings', () => {
  it('tree paths run over joins and clients\' servers', () => {
    expect(treePath(topology, 104, 5)).toEqual([104, 4, 3, 2, 1, 5]);
    expect(treePath(topology, 2, 2)).toEqual([2]);
  });

  it('problems at a foreign host and behind it are its findings; others stay ours', () => {
    const { ours, findings } = attribute(topology, [
      problemOf(3, 'extra hosts [1, 2]'),
      problemOf(4, 'extra hosts [1, 5]'), // behind 3
      problemOf(5, 'extra hosts [2]'), // ours: 5 - 1 - 2 crosses no foreign server
      problemOf(104, 'missing clients [101]'), // behind 3 (its server 4 hears of 101 through 3)
      problemOf(4, 'adjacent servers missing [3]'), // not about hosts: ours
    ], name);
    expect(ours.map((p) => [p.node, p.text])).toEqual([[5, 'extra hosts [2]'], [4, 'adjacent servers missing [3]']]);
    expect(findings).toEqual([{
      host: 3,
      rule: expect.stringMatching(/^has no liveness and no server-quit handling/),
      seen: ['n3 (3) extra hosts [1, 2]', 'n4 (4) still knows [1, 5] (the news had to pass through it)', 'n104 (104) does not know [101] (the news had to pass through it)'],
    }]);
  });

  it('the verdict passes when only foreign servers are wrong, and says who and why', () => {
    const v: Verdict = {
      passed: false,
      consistency: { consistent: false, parts: [[1, 2, 3, 4, 5]], waitedMs: 1000, snapshots: 3, diff: [
        { id: 3, name: 's3', kind: 'server', problems: ['extra hosts [9]'] },
        { id: 4, name: 's4', kind: 'server', problems: ['extra hosts [9]'] },
      ] },
      traffic: [{ from: 101, to: 104, sent: 10, delivered: 8, duplicated: 0, reordered: 0, lost: 2, lostToFaults: [], lostUnexplained: 2, examples: [], ok: false }],
    };
    // 9 is not in the topology: no path, so 4's problem is ours.
    expect(verdictWithFindings(v, topology).passed).toBe(false);
    const onlyForeign = { ...v, consistency: { ...v.consistency, diff: [v.consistency.diff[0]!, { ...v.consistency.diff[1]!, problems: ['extra hosts [1]'] }] } };
    const judged = verdictWithFindings(onlyForeign, topology);
    expect(judged.passed).toBe(true);
    expect(judged.consistency.diff).toEqual([]);
    expect(judged.findings).toEqual([
      'server 3 s3 (course:DIR) has no liveness and no server-quit handling: a silent partition is never detected, and a lost link is never passed on: s3 (3) extra hosts [9]; s4 (4) still knows [1] (the news had to pass through it); chats 101 → 104 cross it: 0 duplicated, 0 reordered, 2 lost (none to a fault; 2 outside any fault)',
    ]);
    // An all-ours topology: the verdict is untouched.
    const ours = { ...topology, servers: topology.servers.map(({ impl: _impl, ...s }) => s) };
    expect(verdictWithFindings(onlyForeign, ours)).toBe(onlyForeign);
  });

  it('says how every server is observed', () => {
    expect(observations(topology).map((o) => `${o.id}:${o.impl}:${o.observed}`)).toEqual(['1:ours:ours', '2:ours:ours', '3:course:DIR:course', '4:ours:ours', '5:ours:ours']);
  });
});
