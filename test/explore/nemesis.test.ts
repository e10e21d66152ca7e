// The nemesis: every schedule it makes is a valid experiment file (the parser experiments use),
// every fault it opens is closed, the same inputs give the same file, and seeds differ.
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { FAULT_KINDS, generateSchedule, withTrafficClients } from '../../src/explore/nemesis.ts';
import { faultUnits } from '../../src/explore/pairs.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const middleEarth = resolveTopology('middle-earth');
const tree30 = resolveTopology('tree:30');
const make = (seed: number, spec = 'middle-earth', topology = middleEarth) =>
  generateSchedule({ topology, spec, seed, faults: FAULT_KINDS, durationMs: 10_000 });

describe('nemesis', () => {
  it('makes 1,000 schedules per topology that parseExperiment accepts, each fault closed by its partner', () => {
    const kinds = new Set<string>();
    for (const [spec, topology] of [['middle-earth', middleEarth], ['tree:30', tree30], ['chain:3', resolveTopology('chain:3')]] as const) {
      for (let seed = 0; seed < 1000; seed++) {
        const doc = make(seed, spec, topology);
        expect(() => parseExperiment(doc, `seed ${seed}`)).not.toThrow();
        for (const unit of faultUnits(doc.timeline)) {
          const first = doc.timeline[unit[0]!]!;
          kinds.add(`${first.do}${first.mode ? ` ${first.mode}` : ''}`);
          // every fault has an end: crash/restart, quit or disconnect/join, partition/heal, down/up, hold/release, latency/remove
          expect(unit.length, `seed ${seed}: ${JSON.stringify(first)} has no partner`).toBe(2);
        }
        const last = doc.timeline[doc.timeline.length - 1]!;
        expect(last).toEqual({ expect: 'consistent', within: 5000 });
        expect(doc.traffic.length).toBeGreaterThanOrEqual(2);
      }
    }
    expect([...kinds].sort()).toEqual(['crash', 'disconnect', 'down', 'down silent', 'hold', 'latency', 'partition cut', 'partition silent', 'quit']);
  }, 300_000); // 3,000 parses: seconds alone, much more on a loaded machine

  it('is deterministic: the same inputs give the same file; another seed another', () => {
    expect(JSON.stringify(make(42))).toBe(JSON.stringify(make(42)));
    expect(JSON.stringify(make(42))).not.toBe(JSON.stringify(make(43)));
  });

  it('uses only the fault kinds asked for', () => {
    for (let seed = 0; seed < 200; seed++) {
      const doc = generateSchedule({ topology: middleEarth, spec: 'middle-earth', seed, faults: ['crash'], durationMs: 5000 });
      expect(doc.timeline.filter((e) => e.do).every((e) => e.do === 'crash' || e.do === 'restart')).toBe(true);
      expect(doc.timeline.every((e) => (e.at ?? 0) <= 5000)).toBe(true);
    }
  });

  it('adds clients to a topology that has none, the same for every seed, and inlines it', () => {
    const a = make(1, 'tree:30', tree30);
    const b = make(2, 'tree:30', tree30);
    expect(typeof a.topology).toBe('object');
    expect(a.topology).toEqual(b.topology);
    expect(withTrafficClients(tree30).clients.length).toBeGreaterThanOrEqual(2);
    expect(make(1).topology).toBe('middle-earth');
  });
});
