// The ink view, drawn into ink-testing-library's fake terminal: the middle-earth tree with its
// link states and knowledge marks, the log and status lines, and a key typed into the view
// reaching the coordinator action through the controller.
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { resolveTopology } from '../../src/topology/generate.ts';
import { nowMs } from '../../src/util/clock.ts';
import { DashboardController } from '../../src/ui/dashboard/controller.ts';
import { loadFlows } from '../../src/ui/dashboard/load.ts';
import { SimReader } from '../../src/ui/dashboard/reader.ts';
import { ExperimentRecorder } from '../../src/ui/dashboard/recorder.ts';
import { DashboardState } from '../../src/ui/dashboard/state.ts';
import { DashboardView, ScreenStore } from '../../src/ui/dashboard/view/dashboard-view.tsx';
import { FakeSim } from './fake-sim.ts';
import { waitFor } from '../wait.ts';

const ME = resolveTopology('middle-earth');
const T0 = nowMs(); // the controller stamps its log lines with the real clock

afterEach(cleanup);

function world() {
  const sim = new FakeSim(ME);
  const all = [...ME.servers, ...ME.clients].map((h) => h.id);
  for (const id of all) {
    const isServer = ME.servers.some((s) => s.id === id);
    const expected = all.filter((x) => x !== id && (isServer || ME.clients.some((c) => c.id === x)));
    sim.expected.set(id, expected);
    sim.known.set(id, new Set(id === 11 ? expected.slice(1) : expected));
  }
  sim.converged = false;
  const state = new DashboardState(ME, { startedAt: T0, seed: 9, proxied: true });
  const reader = new SimReader(sim, state);
  reader.started();
  const controller = new DashboardController(sim, state, new ExperimentRecorder({ topology: 'middle-earth', seed: 9, serversPerWorker: 1, proxied: true }), {
    flows: loadFlows(ME), loadRate: 100, loadSize: 64, latencyMs: 50, jitterMs: 5, recordDir: '/nonexistent', onQuit: () => {},
  });
  const store = new ScreenStore();
  const draw = (now: number) => {
    reader.refresh(now);
    store.set({ snapshot: state.frame(now), selected: controller.selection(), selection: 'the selection', help: controller.help });
  };
  return { sim, state, reader, controller, store, draw };
}

/** Until ink has drawn a frame matching `re` (polled: the fake terminal has no event for it). */
async function frameMatching(ui: { lastFrame: () => string | undefined }, re: RegExp): Promise<string> {
  return waitFor(() => {
    const frame = ui.lastFrame() ?? '';
    return re.test(frame) ? frame : undefined;
  }, 5000, `a frame matching ${re}`);
}

describe('the dashboard view', () => {
  it('draws the middle-earth tree: ids, names, link states, known/expected with a converged mark', async () => {
    const { sim, store, draw } = world();
    sim.faults.get('4-7')!.cut = 'close';
    sim.faults.get('2-5')!.toxics.push('latency-1');
    draw(T0 + 2500);
    const ui = render(createElement(DashboardView, { store, title: 'middle-earth', onKey: () => {} }));
    const frame = await frameMatching(ui, /0:02/);
    const lines = frame.split('\n');
    const line = (re: RegExp) => lines.find((l) => re.test(l)) ?? `(no line matching ${re})`;
    expect(line(/● 1 theshire/)).toMatch(/│● 1 theshire +18\/18 ✓ :40001/);
    expect(line(/101 frodobaggins/)).toMatch(/│├─ ○ 101 frodobaggins +7\/7 ✓/);
    expect(line(/2 rivendale/)).toMatch(/├─ \[up\]─+ ● 2 rivendale +18\/18 ✓/);
    expect(line(/7 minastirith/)).toMatch(/│  │  └─ \[cut\]─+ ● 7 minastirith/);
    expect(line(/5 moria/)).toMatch(/\[up\]─+ ● 5 moria .*latency-1/);
    expect(line(/11 barad-dur/)).toMatch(/● 11 barad-dur +17\/18 ✗/);
    expect(line(/104 bilbobaggins/)).toMatch(/└─ ○ 104 bilbobaggins/);
    expect(frame).toMatch(/converging: 1 node differ/);
    expect(frame).toMatch(/seed 9/);
    expect(frame).toMatch(/0:02/);
  });

  it('a key typed into the view runs the matching action on the selected link', async () => {
    const { sim, store, controller, draw } = world();
    controller.selected = controller.items().findIndex((i) => i.kind === 'link' && i.child === 7);
    draw(T0 + 1000);
    const ui = render(createElement(DashboardView, { store, title: 'middle-earth', onKey: (input, key) => controller.press(input, key) }));
    await frameMatching(ui, /7 minastirith/);
    ui.stdin.write('c');
    await controller.idle();
    expect(sim.calls).toEqual(['down both 7-4']);
    draw(T0 + 1100);
    await frameMatching(ui, /\[cut\]─+ ● 7 minastirith/);
    expect(ui.lastFrame()).toMatch(/action +cut link 7-4 \(minastirith–lothlorien\)/);

    ui.stdin.write('\u001B[B'); // down arrow: onto minastirith itself
    ui.stdin.write('k');
    await frameMatching({ lastFrame: () => sim.calls.join('\n') }, /crash 7/); // the keys reach the controller
    await controller.idle();
    expect(sim.calls).toEqual(['down both 7-4', 'crash 7']);
  });

  it('? shows the keys in place of the log', async () => {
    const { store, controller, draw } = world();
    controller.press('?');
    draw(T0 + 100);
    const ui = render(createElement(DashboardView, { store, title: 'middle-earth', onKey: () => {} }));
    await frameMatching(ui, /keys \(\? to close\)/);
    expect(ui.lastFrame()).toMatch(/s +link: silent partition on \/ off/);
  });
});
