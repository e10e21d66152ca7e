// The silent-partition phase in results/latest.md: its goals met or missed from the medians
// against their bounds, and its table.
import { describe, expect, it } from 'vitest';
import type { SilentPartitionRow } from '../../bench/phases/silent-partition.ts';
import { silentPartitionGoals, silentPartitionSection } from '../../bench/report/silent-partition.ts';

const spread = (p50: number) => ({ count: 20, min: p50 - 1, p50, p99: p50 + 1, max: p50 + 2 });
const row = (detection: number, propagation: number): SilentPartitionRow => ({
  topology: 'middle-earth', link: '4-2', linkLatencyMs: 5, serversPerWorker: 1, repeats: 20,
  liveness: { intervalMs: 250, timeoutMs: 1000 },
  detection: spread(detection), detectionBoundMs: 1250,
  propagation: spread(propagation), propagationBoundMs: 10,
  recovery: spread(100), recoveryFloorMs: 25, incomplete: 0,
});

describe('silent partition goals', () => {
  it('detection within timeout + interval + 5 ms, propagation within 1.05 × bound + 2 ms', () => {
    expect(silentPartitionGoals([row(1255, 12.5)]).map((g) => g.met)).toEqual([true, true]);
    expect(silentPartitionGoals([row(1255.1, 12.6)]).map((g) => g.met)).toEqual([false, false]);
    const [d, p] = silentPartitionGoals([row(1100, 11)]);
    expect(d!.goal).toBe('silent partition of 4-2 (5 ms per link): detection median within timeout + interval + 5 ms (1255 ms)');
    expect(d!.measured).toBe('median 1100.0 ms over 20');
    expect(p!.measured).toBe('median 11.00 ms, allowance 12.50 ms');
  });

  it('a phase never measured misses; a phase not run is not measured', () => {
    expect(silentPartitionGoals([{ ...row(1, 1), detection: null, propagation: null }]).map((g) => [g.measured, g.met])).toEqual([['never detected', false], ['never complete', false]]);
    expect(silentPartitionGoals([])).toEqual([{ goal: 'silent partition: detection and propagation within their bounds', measured: 'not run', met: null }]);
  });

  it('the table: one line per case, min / median / p99 and each bound', () => {
    const lines = silentPartitionSection([row(1100, 11)]);
    expect(lines[0]).toBe('## Silent partition (middle-earth, liveness)');
    expect(lines).toContain('| 4-2 | 5 ms | 1 | 20 | 1099.0 | 1100.0 | 1101.0 | 1250 | 10.0 | 11.0 | 12.0 | 10 | 99.0 | 100.0 | 101.0 | 25 | 0 |');
    expect(silentPartitionSection([])).toEqual([]);
  });
});
