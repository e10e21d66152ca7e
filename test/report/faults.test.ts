// Fault windows come from the actions: each fault from its action to the one that undoes it
// (or to the end), on the servers it touches; the Lamport diagram shades exactly those.
import { describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { faultsOf } from '../../src/report/faults.ts';
import { lamportSvg } from '../../src/report/lamport.ts';
import { overviewPanel } from '../../src/report/panels.ts';
import { action, start } from './events.ts';

const lanes = [1, 2, 3].map((id) => ({ id, name: `s${id}` }));

const events = [
  start(0),
  action(1000, { do: 'partition', groups: [[1], [2, 3]] }, 0),
  action(1100, { do: 'latency', link: '3-2', toxic: parseToxicSpec({ type: 'latency', ms: 20 }) }, 1),
  action(1200, { do: 'crash', server: 3 }, 2),
  action(1300, { do: 'quit', client: 100, text: '' }, 3),
  action(1500, { do: 'down', link: '1-2', direction: 'both', how: 'close' }, 4),
  action(1600, { do: 'join', client: 100 }, 5),
  action(1700, { do: 'up', link: '2-1', direction: 'both' }, 6),
  action(1800, { do: 'restart', server: 3 }, 7),
  action(1900, { do: 'remove', link: '2-3', name: 'latency_both' }, 8),
  action(2000, { do: 'heal' }, 9),
  action(2500, { do: 'hold', link: '1-2', direction: 'both' }, 10),
];
const clientServer = new Map([[100, 2]]);

describe('fault windows', () => {
  it('run from each fault to the action that undoes it, or to the end, on the servers it touches', () => {
    const f = faultsOf(events, 0, 3000, clientServer);
    const windows = f.windows.filter((w) => !w.phase).map((w) => [w.label, w.start, w.end, w.servers]);
    expect(windows).toEqual([
      ['partitioned', 1000, 2000, []],
      ['3–2 +20 ms', 1100, 1900, [2, 3]],
      ['3 crashed', 1200, 1800, [3]],
      ['100 away', 1300, 1600, [2]],
      ['1–2 down', 1500, 1700, [1, 2]],
      ['1–2 held', 2500, 3000, [1, 2]],
    ]);
    expect(f.actions.map((a) => a.label)).toEqual([
      'partition 1 | 2,3', 'latency 3–2: 20 ms', 'crash 3', 'quit 100', 'down 1–2', 'join 100', 'up 2–1', 'restart 3', 'remove latency_both from 2–3', 'heal', 'hold 1–2',
    ]);
    expect(f.windows.filter((w) => w.phase).map((w) => w.label)).toEqual(['start-up']);
  });

  it('an action that failed is marked, and opens no window', () => {
    const failed = { ...action(1000, { do: 'crash', server: 3 }), error: 'no such server' };
    const f = faultsOf([failed], 0, 3000, clientServer);
    expect(f.actions).toMatchObject([{ label: 'crash 3', failed: true }]);
    expect(f.windows).toEqual([]);
  });

  it('the Lamport diagram shades each window on its lanes (all of them for a partition), as long as it lasted', () => {
    const faults = faultsOf(events, 0, 3000, clientServer);
    const svg = lamportSvg({ title: 't', lanes, faults, t0: 0, overview: overviewPanel([], 0, 3000, 'o'), zooms: [] });
    const overview = svg.slice(svg.indexOf('<g id="overview"'));
    const rects = [...overview.matchAll(/<rect class="fw" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"\/>/g)].map((m) => m.slice(1).map(Number));
    // partition: 1 (all lanes); latency 2–3: 2; crash: 1; client away: 1; down 1–2: 2; hold 1–2: 2.
    expect(rects).toHaveLength(9);
    const [partition, latency, , crash] = rects;
    const laneWidth = latency![2]!;
    expect(partition![2]).toBeGreaterThan(2.5 * laneWidth); // across all three lanes
    expect(crash![2]).toBe(laneWidth);
    // Heights in proportion to how long each lasted: partition 1000 ms, latency 800, crash 600.
    expect(latency![3]! / partition![3]!).toBeCloseTo(0.8, 2);
    expect(crash![3]! / partition![3]!).toBeCloseTo(0.6, 2);
    expect(crash![1]! - partition![1]!).toBeCloseTo(0.2 * partition![3]!, 0); // crash began 200 ms in
    for (const label of ['partitioned', '3–2 +20 ms', '3 crashed', '100 away', '1–2 down', '1–2 held']) expect(overview).toContain(`>${label}</text>`);
  });
});
