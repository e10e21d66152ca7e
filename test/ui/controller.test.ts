// Keys to coordinator actions, against a fake simulation: each key calls the matching action
// on what is selected, toggles what it should, refuses what it cannot do, and `w` writes what
// was done as an experiment the schema accepts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { DashboardController } from '../../src/ui/dashboard/controller.ts';
import { loadFlows } from '../../src/ui/dashboard/load.ts';
import { SimReader } from '../../src/ui/dashboard/reader.ts';
import { ExperimentRecorder } from '../../src/ui/dashboard/recorder.ts';
import { DashboardState } from '../../src/ui/dashboard/state.ts';
import { FakeSim } from './fake-sim.ts';
import { waitFor } from '../wait.ts';

const ME = resolveTopology('middle-earth');

function setup({ proxied = true } = {}) {
  let clock = 11_500;
  const now = () => clock;
  const sim = new FakeSim(ME, proxied);
  const state = new DashboardState(ME, { startedAt: 10_000, seed: 4, proxied });
  new SimReader(sim, state).started();
  state.setConvergence(true, 0, 11_000); // the experiment's clock starts here
  const dir = mkdtempSync(join(tmpdir(), 'dash-rec-'));
  const recorder = new ExperimentRecorder({ topology: 'middle-earth', seed: 4, serversPerWorker: 1, proxied });
  let quits = 0;
  const c = new DashboardController(sim, state, recorder, {
    flows: loadFlows(ME, 1), loadRate: 50, loadSize: 32, latencyMs: 40, jitterMs: 4, recordDir: dir, onQuit: () => quits++, now,
  });
  const select = (kind: string, id: number) => {
    c.selected = c.items().findIndex((i) => i.kind === kind && (i.kind === 'link' ? i.child === id : i.id === id));
    expect(c.selected).toBeGreaterThanOrEqual(0);
  };
  const press = async (input: string, at?: number) => {
    if (at !== undefined) clock = at;
    c.press(input);
    await c.idle();
  };
  return { sim, state, c, dir, select, press, quits: () => quits, log: () => state.frame(clock).log.map((l) => l.text) };
}

describe('dashboard keys', () => {
  it('on a link: l adds latency, c cuts and brings back, s toggles the silent partition, h holds and releases, x clears toxics', async () => {
    const { sim, select, press } = setup();
    select('link', 7);
    await press('l');
    await press('c');
    await press('c');
    await press('s');
    await press('h');
    await press('h');
    await press('s');
    await press('l');
    await press('x');
    expect(sim.calls).toEqual([
      'add latency latency-1 7-4', 'down both 7-4', 'up both 7-4', 'down both silent 7-4', 'hold both 7-4', 'release both 7-4',
      'up both silent 7-4', 'add latency latency-2 7-4', 'remove latency-1 7-4', 'remove latency-2 7-4',
    ]);
  });

  it('on a server: k crashes it (and its clients show down), r restarts it; on a client: e quits, d disconnects, j joins', async () => {
    const { sim, state, select, press } = setup();
    select('server', 11);
    await press('k');
    expect(state.isUp(11) && state.isUp(108)).toBe(false);
    await press('r');
    expect(state.isUp(11)).toBe(true);
    select('client', 105);
    await press('e');
    expect(state.isUp(105)).toBe(false);
    await press('j');
    expect(state.isUp(105)).toBe(true);
    await press('d');
    expect(sim.calls).toEqual(['crash 11', 'restart 11', 'quit 105 bye from the dashboard', 'join 105', 'disconnect 105']);
  });

  it('a key for the wrong kind of selection, or a fault key on direct links, explains itself and does nothing', async () => {
    const direct = setup({ proxied: false });
    direct.select('link', 2);
    await direct.press('c');
    expect(direct.sim.calls).toEqual([]);
    expect(direct.log().at(-1)).toMatch(/links are direct \(started with --direct\)/);

    const { sim, select, press, log } = setup();
    select('server', 2);
    await press('c');
    await press('e');
    select('client', 101);
    await press('k');
    expect(sim.calls).toEqual([]);
    expect(log().slice(-3)).toEqual(['c acts on a link: select one with ↑ ↓', 'e acts on a client: select one with ↑ ↓', 'k acts on a server: select one with ↑ ↓']);
  });

  it('arrows step through hosts and links and wrap; left / right jump between servers', () => {
    const { c } = setup();
    c.selected = 0;
    c.press('', { upArrow: true });
    expect(c.selection()).toEqual({ kind: 'client', id: 104 });
    c.press('', { downArrow: true });
    c.press('', { downArrow: true });
    expect(c.selection()).toEqual({ kind: 'client', id: 101 });
    c.press('', { rightArrow: true });
    expect(c.selection()).toEqual({ kind: 'server', id: 2 });
    c.press('', { leftArrow: true });
    expect(c.selection()).toEqual({ kind: 'server', id: 1 });
  });

  it('H brings every link back: up, released, toxics removed', async () => {
    const { sim, select, press, log } = setup();
    select('link', 7);
    await press('c');
    select('link', 3);
    await press('h');
    await press('l');
    sim.calls.length = 0;
    await press('H');
    expect(sim.calls.sort()).toEqual(['release both 3-1', 'remove latency-1 3-1', 'up both 7-4']);
    await press('H');
    expect(log().at(-1)).toBe('heal: every link is already up, with no toxics');
  });

  it('t runs the background load in one-second chunks until t again', async () => {
    const { sim, state, press } = setup();
    await press('t');
    expect(state.frame(20_000).load).toMatchObject({ on: true, flows: 2, rate: 50 });
    // the first one-second chunk on each flow has been asked for
    await waitFor(() => sim.calls.filter((c) => c.startsWith('traffic')).length >= 2, 5000, 'a load chunk on each flow');
    await press('t');
    expect(state.frame(20_000).load.on).toBe(false);
    expect(sim.calls).toContain('traffic 108->104 50/s 32B 1000ms');
    expect(sim.calls).toContain('traffic 104->108 50/s 32B 1000ms');
  });

  it('q and Ctrl-C quit', () => {
    const { c, quits } = setup();
    c.press('q');
    c.press('c', { ctrl: true });
    expect(quits()).toBe(2);
  });

  it('w writes every action that worked, with its time since convergence, plus the load, as a valid experiment', async () => {
    const { dir, select, press, log } = setup();
    select('link', 7);
    await press('c', 12_500);
    await press('s', 13_000);
    await press('t', 13_000);
    select('server', 3);
    await press('k', 14_250);
    await press('t', 15_000);
    await press('w', 16_000);
    const line = log().at(-1)!;
    expect(line).toMatch(/^wrote 3 actions, 1 load period to .*dashboard-\d{8}-\d{6}\.json; replay: npm run experiment -- /);
    const file = /to (\S+\.json);/.exec(line)![1]!;
    expect(file.startsWith(dir)).toBe(true);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { topology: unknown };
    expect(doc.topology).toBe('middle-earth'); // the spec, so the file replays the same generator
    const exp = parseExperiment(doc, file);
    expect(exp).toMatchObject({ seed: 4, proxyLinks: 'all', duration: 6000 });
    expect(exp.topology.name).toBe('middle-earth');
    expect(exp.timeline).toEqual([
      { at: 1500, do: 'down', link: '7-4', direction: 'both', how: 'close', mode: 'cut' },
      { at: 2000, do: 'down', link: '7-4', direction: 'both', how: 'close', mode: 'silent' },
      { at: 3250, do: 'crash', server: 3 },
      { at: 5000, expect: 'converged', within: 5000 },
    ]);
    expect(exp.traffic).toEqual([
      { from: 108, to: 104, rate: 50, size: 32, start: 2000, stop: 4000 },
      { from: 104, to: 108, rate: 50, size: 32, start: 2000, stop: 4000 },
    ]);
  });
});
