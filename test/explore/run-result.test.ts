// A run's summary as failure kinds: the shrinker compares them, so each kind must say what
// failed (the action, the check, the verdict's consistency, the traffic audit's problem).
import { describe, expect, it } from 'vitest';
import { runResultOf } from '../../src/explore/run-file.ts';

const verdict = (consistent: boolean, traffic: Array<Record<string, unknown>> = []) => ({
  passed: consistent, consistency: { consistent, parts: [], diff: consistent ? [] : [{ id: 4, name: 'lothlorien', problems: ['knows 9 it should not'] }], waitedMs: 0, snapshots: 1 },
  traffic: traffic.map((t) => ({ from: 101, to: 108, sent: 10, delivered: 10, duplicated: 0, reordered: 0, lost: 0, lostToFaults: [], lostUnexplained: 0, examples: [], ok: true, ...t })),
});

describe('runResultOf', () => {
  it('passes with no kinds', () => {
    expect(runResultOf({ outcome: 'PASS', actions: [], checks: [], verdict: verdict(true) } as never)).toEqual({ outcome: 'PASS', why: [] });
  });

  it('names failed actions and checks, then the verdict, then the traffic audit', () => {
    const r = runResultOf({
      outcome: 'FAIL',
      actions: [{ index: 0, at: 0, did: 'restart {"server":3}', lateMs: 0, error: 'restart: server 3 has not crashed' }],
      checks: [{ index: 1, check: 'expect consistent within 5000 ms', startMs: 0, withinMs: 5000, tookMs: null, passed: false, outcome: 'FAIL', detail: 'x' }],
      verdict: verdict(false, [{ ok: false, lostUnexplained: 3, lost: 3, duplicated: 1 }]),
    } as never);
    expect(r.why).toEqual(['action restart failed', 'check consistent', 'verdict: not consistent', 'traffic: duplicated', 'traffic: lost outside any fault']);
    expect(r.detail).toContain('lothlorien (4): knows 9 it should not');
  });
});
