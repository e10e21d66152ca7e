// The dashboard marks foreign servers and says how each is observed: ◆ and [course] or
// [black-box] beside the name; ours keep ●.
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { resolveTopology } from '../../src/topology/generate.ts';
import { withImpl } from '../../src/topology/impl.ts';
import { nowMs } from '../../src/util/clock.ts';
import { SimReader } from '../../src/ui/dashboard/reader.ts';
import { DashboardState } from '../../src/ui/dashboard/state.ts';
import { treeRows } from '../../src/ui/dashboard/tree.ts';
import { DashboardView, ScreenStore } from '../../src/ui/dashboard/view/dashboard-view.tsx';
import { FakeSim } from '../ui/fake-sim.ts';
import { waitFor } from '../wait.ts';
import { FIXTURE_DIR } from './helpers.ts';

afterEach(cleanup);

const course = withImpl(resolveTopology('chain:3'), { course: FIXTURE_DIR }, [2]);
const mixed = withImpl(course, { command: ['prog', '{port}'] }, [3]);

describe('the dashboard with foreign servers', () => {
  it('tree rows carry how each foreign server is observed', () => {
    expect(treeRows(mixed).map((r) => [r.id, r.foreign])).toEqual([[1, undefined], [2, 'course'], [3, 'black-box']]);
  });

  it('draws them with their mark', async () => {
    const sim = new FakeSim(mixed);
    const state = new DashboardState(mixed, { startedAt: nowMs(), seed: 1, proxied: true });
    const reader = new SimReader(sim, state);
    reader.started();
    reader.refresh(nowMs());
    const store = new ScreenStore();
    store.set({ snapshot: state.frame(nowMs()), selected: undefined, selection: '', help: false });
    const ui = render(createElement(DashboardView, { store, title: 'mixed', onKey: () => {} }));
    // Ink draws on its own schedule, and the fake terminal has no event for a frame: poll for it.
    const frame = await waitFor(() => ((ui.lastFrame() ?? '').includes('[black-box]') ? ui.lastFrame() : undefined), 5000, 'a frame with the tree');
    expect(frame).toMatch(/● 1 s1 /);
    expect(frame).toMatch(/◆ 2 s2 \[course\]/);
    expect(frame).toMatch(/◆ 3 s3 \[black-box\]/);
  });
});
