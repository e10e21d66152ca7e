// The timeline: a series of known hosts per server (learned adds, forgotten removes, a crash
// empties), drawn as one line per server, with each check marked where it was answered.
import { describe, expect, it } from 'vitest';
import { faultsOf } from '../../src/report/faults.ts';
import { knownHostSeries, timelineSvg } from '../../src/report/timeline.ts';
import { action, check, forgotten, learned, start } from './events.ts';

const lanes = [1, 2].map((id) => ({ id, name: `s${id}` }));
const events = [
  learned(1, 2, 10, 'server'), learned(2, 1, 11, 'server'), learned(1, 100, 20), learned(2, 100, 21),
  learned(100, 1, 22), // a client's own view: not a server's series
  learned(1, 100, 23), // learned again: still one host
  start(50),
  forgotten(1, 100, 100), forgotten(2, 100, 101),
  action(200, { do: 'crash', server: 2 }),
  learned(2, 1, 300, 'server'),
  check(120, 1, 0, 51, true), check(400, 2, 150, null, false),
];

describe('the timeline', () => {
  it('follows each server: learned adds, forgotten removes, a crash empties it', () => {
    const series = knownHostSeries(events, lanes, 0);
    expect(series).toEqual([
      { server: 1, points: [[0, 0], [10, 1], [20, 2], [100, 1]] },
      { server: 2, points: [[0, 0], [11, 1], [21, 2], [101, 1], [200, 0], [300, 1]] },
    ]);
  });

  it('draws one line per server and a rule per check, green or red', () => {
    const series = knownHostSeries(events, lanes, 0);
    const svg = timelineSvg({ title: 't', lanes, series, faults: faultsOf(events, 50, 400, new Map()), checks: events.filter((e) => e.type === 'check'), t0: 50, from: 0, to: 400 });
    expect([...svg.matchAll(/<path class="known" data-server="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([1, 2]);
    expect(svg.match(/<path class="pass"/g)).toHaveLength(1);
    expect(svg.match(/<path class="failed"/g)).toHaveLength(1);
    expect(svg).toContain('#1 at 0.000 s: check 1: passed in 51.0 ms');
    expect(svg).toContain('#2 at 0.150 s: check 2: FAILED: did not happen');
    expect(svg).toContain('>crash 2</text>');
    expect(svg).toContain('>2 crashed</text>');
  });
});
