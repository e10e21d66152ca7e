// The shrinker against a synthetic predicate (no experiment runs): "fails iff the schedule has a
// crash of server 3 and a silent partition". From a nemesis schedule with more faults, flows
// and all of middle-earth, it must reach the minimal file: just those two faults (each with its
// end), no flows, only the servers named and the ones joining them to the root, times halved
// down to the step.
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import type { ExperimentFile, RunResult } from '../../src/explore/doc.ts';
import { FAULT_KINDS, generateSchedule } from '../../src/explore/nemesis.ts';
import { faultUnits } from '../../src/explore/pairs.ts';
import { halveDurations, halveGaps, topologyOf } from '../../src/explore/reduce.ts';
import { shrink } from '../../src/explore/shrink.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const middleEarth = resolveTopology('middle-earth');
const hasCrash3 = (d: ExperimentFile) => d.timeline.some((e) => e.do === 'crash' && e.server === 3);
const hasSilentPartition = (d: ExperimentFile) => d.timeline.some((e) => e.do === 'partition' && e.mode === 'silent');

/** The first seed whose schedule has both, and more besides. */
function startingFile(): ExperimentFile {
  for (let seed = 0; seed < 100_000; seed++) {
    const d = generateSchedule({ topology: middleEarth, spec: 'middle-earth', seed, faults: FAULT_KINDS, durationMs: 10_000 });
    if (hasCrash3(d) && hasSilentPartition(d) && faultUnits(d.timeline).length >= 4) return d;
  }
  throw new Error('no seed has both');
}

function predicate(calls: ExperimentFile[]) {
  return async (d: ExperimentFile): Promise<RunResult> => {
    parseExperiment(d, 'candidate'); // only valid files are ever run
    calls.push(d);
    if (hasCrash3(d) && hasSilentPartition(d)) return { outcome: 'FAIL', why: ['check consistent'] };
    // Failing another way is not failing the same way.
    if (hasCrash3(d)) return { outcome: 'FAIL', why: ['traffic: lost outside any fault'] };
    return { outcome: 'PASS', why: [] };
  };
}

describe('shrink', () => {
  it('reaches the minimal file for "a crash of server 3 and a silent partition"', async () => {
    const start = startingFile();
    const calls: ExperimentFile[] = [];
    const run = predicate(calls);
    const r = await shrink(start, await run(start), run, { maxRuns: 500 });
    const d = r.doc;
    expect(r.exhausted).toBe(false);
    expect(r.runs).toBe(calls.length - 1);
    expect(r.result.why).toEqual(['check consistent']);

    // Just the two faults, each with its end, and the check.
    const actions = d.timeline.filter((e) => e.do).map((e) => e.do).sort();
    expect(actions).toEqual(['crash', 'heal', 'partition', 'restart']);
    expect(d.timeline.at(-1)).toEqual({ expect: 'consistent', within: 5000 });
    expect(d.traffic).toEqual([]);

    // Servers: the named ones (3, the partition's groups) and those on their way to the root.
    const named = new Set<number>([3, ...(d.timeline.find((e) => e.do === 'partition')!.groups as number[][]).flat()]);
    const join = new Map(middleEarth.servers.map((s) => [s.id, s.join]));
    const expected = new Set<number>();
    for (const id of named) for (let x: number | undefined = id; x !== undefined; x = join.get(x)) expected.add(x);
    const t = topologyOf(d);
    expect(t.servers.map((s) => s.id).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    expect(t.clients).toEqual([]);

    // Times at the floor: halving any more changes nothing; the first action at 0.
    expect(halveGaps(d)).toEqual(d);
    expect(halveDurations(d, faultUnits(d.timeline))).toEqual(d);
    expect(Math.min(...d.timeline.filter((e) => e.do).map((e) => e.at!))).toBe(0);
    expect(d.duration).toBe(Math.max(...d.timeline.filter((e) => e.do).map((e) => e.at!)) + 5000);
    expect(() => parseExperiment(d, 'shrunk')).not.toThrow();
  });

  it('stops at maxRuns with the best file so far', async () => {
    const start = startingFile();
    const calls: ExperimentFile[] = [];
    const run = predicate(calls);
    const r = await shrink(start, await run(start), run, { maxRuns: 3 });
    expect(r.runs).toBe(3);
    expect(calls.length - 1).toBe(3);
    expect(r.exhausted).toBe(true);
    expect(hasCrash3(r.doc) && hasSilentPartition(r.doc)).toBe(true);
  });

  it('keeps the whole file when nothing smaller fails', async () => {
    const start = startingFile();
    const whole = JSON.stringify(start);
    const r = await shrink(start, { outcome: 'FAIL', why: ['check consistent'] }, async (d) => (JSON.stringify(d) === whole ? { outcome: 'FAIL', why: ['check consistent'] } : { outcome: 'PASS', why: [] }));
    expect(r.doc).toBe(start);
    expect(r.steps).toEqual([]);
  });
});
