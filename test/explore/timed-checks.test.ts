// The timed checks explore adds: after a break followed by a quiet window, with a bound from
// liveness and the latency in force; none where the bound would not be sound.
import { describe, expect, it } from 'vitest';
import { TIMED_MARGIN_MS, withTimedChecks } from '../../src/explore/timed-checks.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const t = { ...resolveTopology('middle-earth'), liveness: { interval: 250, timeout: 1000 } };
const checks = (tl: Array<Record<string, unknown>>) => withTimedChecks(tl, t).flatMap((e, i, all) => (e.expect === 'converged' ? [`${all[i - 1]!.do}:${e.within}`] : []));

describe('timed checks', () => {
  it('bound a cut or a crash by the margin, a silent cut by timeout + interval, plus latency in force', () => {
    expect(checks([{ at: 2000, do: 'partition', groups: [[1]], mode: 'cut' }, { at: 4000, do: 'heal' }])).toEqual([`partition:${TIMED_MARGIN_MS}`]);
    expect(checks([{ at: 2000, do: 'crash', server: 3 }, { at: 4000, do: 'restart', server: 3 }])).toEqual([`crash:${TIMED_MARGIN_MS}`]);
    expect(checks([{ at: 2000, do: 'partition', groups: [[1]], mode: 'silent' }, { at: 4000, do: 'heal' }])).toEqual([`partition:${1250 + TIMED_MARGIN_MS}`]);
    expect(checks([
      { at: 100, do: 'latency', link: '2-1', ms: 40, jitter: 10, name: 'a' },
      { at: 2000, do: 'down', link: '3-1' }, { at: 4000, do: 'up', link: '3-1' }, { at: 4100, do: 'remove', link: '2-1', name: 'a' },
    ])).toEqual([`down:${50 + TIMED_MARGIN_MS}`]);
  });

  it('add none without a quiet window after and before, under a hold, a silent fault, or a restore', () => {
    expect(checks([{ at: 2000, do: 'down', link: '3-1' }, { at: 2100, do: 'up', link: '3-1' }])).toEqual([]);
    expect(checks([{ at: 2000, do: 'restart', server: 3 }, { at: 2100, do: 'crash', server: 4 }, { at: 5000, do: 'restart', server: 4 }])).toEqual([]);
    expect(checks([{ at: 100, do: 'hold', link: '2-1' }, { at: 2000, do: 'crash', server: 4 }, { at: 5000, do: 'restart', server: 4 }, { at: 6000, do: 'release', link: '2-1' }])).toEqual([]);
    expect(checks([{ at: 100, do: 'down', link: '2-1', direction: 'upstream', mode: 'silent' }, { at: 2000, do: 'crash', server: 4 }, { at: 5000, do: 'restart', server: 4 }])).toEqual([`down:${1250 + TIMED_MARGIN_MS}`]);
    const noLiveness = withTimedChecks([{ at: 2000, do: 'partition', groups: [[1]], mode: 'silent' }, { at: 4000, do: 'heal' }], { ...t, liveness: false });
    expect(noLiveness.filter((e) => e.expect)).toEqual([]);
  });

  it('are rebuilt, not stacked, when the timeline is edited', () => {
    const once = withTimedChecks([{ at: 2000, do: 'crash', server: 3 }, { at: 4000, do: 'restart', server: 3 }], t);
    expect(withTimedChecks(once, t)).toEqual(once);
  });
});
