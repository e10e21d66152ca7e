// The proxy bench's (g) report: medians over rounds of each round's figure against the same
// round's direct run, the crc-proxy / toxiproxy column judged the right way round, a skip that
// says why; and reading a process's CPU from /proc.
import { describe, expect, it } from 'vitest';
import { processCpuSeconds, processSchedStat } from '../../bench/proxy/external-proxies.ts';
import type { Quantiles, Throughput } from '../../bench/proxy/measure.ts';
import { renderToxiproxy } from '../../bench/proxy/report-toxiproxy.ts';
import { COMPARED, type ComparisonRound, type ComparisonRun, LATENCY_TOXICS_MS } from '../../bench/proxy/toxiproxy.ts';

const q = (p50: number, p99: number): Quantiles => ({ n: 100, p50, p99, min: p50, max: p99, mean: p50 });
const tp = (MBps: number): Throughput => ({ seconds: 1, bytes: MBps * 1e6, MBps, msgsPerSec: 0, cpuCores: 0 });

/** A run whose figures are `k` times toxiproxy's baseline (RTT over a 100/200 µs direct run). */
function run(label: ComparisonRun['label'], k: number, roundShift: number): ComparisonRun {
  return {
    label,
    rttUs: label === 'direct' ? q(100 + roundShift, 200 + roundShift) : q(100 + roundShift + 50 * k, 200 + roundShift + 300 * k),
    throughput: tp(label === 'direct' ? 1000 + roundShift : (1000 + roundShift) * 0.5 / k),
    cpuSecondsPerGB: label === 'direct' ? NaN : 1.6 * k,
    latency: label === 'direct' ? [] : LATENCY_TOXICS_MS.map((ms) => ({
      configuredMs: ms, errorMs: { ...q(0.5 * k, 0.8 * k), early: 0 }, cpuUsPerMessage: 30 * k, sched: processSched(label, k),
    })),
    rttSched: processSched(label, k),
  };
}

/** The kernel's counters exist for the two processes only. */
function processSched(label: ComparisonRun['label'], k: number) {
  return label === 'toxiproxy' || label === 'crc-proxy' ? { wakeupsPerEvent: 4 * k, waitUsPerWakeup: 20 * k, cpuUsPerEvent: 50 * k } : undefined;
}

const settings = { rounds: 3, pings: 100, warmupPings: 10, seconds: 1, samples: 100 };

describe('proxy bench (g) report', () => {
  it('crc-proxy better everywhere: every column ✓, the ratio is crc-proxy over toxiproxy, medians against each round\'s direct run', () => {
    const factors: Record<string, number> = { toxiproxy: 1, 'crc-proxy': 0.5, 'crc worker thread': 0.25, 'crc same thread': 0.1 };
    // Round 2 is a loud outlier for every proxy: the median must not move.
    const rounds: ComparisonRound[] = [0, 1, 2].map((i) => ({
      runs: (['direct', ...COMPARED] as const).map((l) => run(l, (factors[l] ?? 1) * (i === 2 ? 9 : 1), i * 10)),
    }));
    const r = renderToxiproxy({ versions: { toxiproxy: '2.12.0' }, settings, rounds });
    expect(r.verdict).toBe('crc-proxy at least as good as toxiproxy in all 10 columns');
    const row = (what: string) => r.table.find((l) => l.startsWith(`| ${what}`))!;
    // added RTT p50: 50 µs for toxiproxy, 25 for crc-proxy, whatever the round's direct figure.
    expect(row('added round trip p50')).toContain('| lower | 50 | 25 | 0.50 ✓ |');
    // throughput vs direct: higher is better, so crc-proxy's 1.0 beats toxiproxy's 0.5.
    expect(row('bulk throughput vs direct')).toContain('| higher | 0.50 | 1.00 | 2.00 ✓ |');
    expect(r.table.filter((l) => l.includes('✗'))).toEqual([]);
    // Trace rows: shown for every proxy, never judged.
    expect(row('latency toxic 10 ms: proxy CPU per message')).toContain('| trace | 30 | 15 | 0.50 |');
    // The kernel's view: processes only; the in-thread proxies have none of their own.
    expect(row('round trip: proxy wake-ups per ping')).toContain('| trace | 4.0 | 2.0 | 0.50 | – | – |');
    expect(row('latency toxic 100 ms: run-queue wait per wake-up')).toContain('| trace | 20.0 | 10.0 | 0.50 | – | – |');
  });

  it('crc-proxy worse in a column: ✗ and named in the verdict', () => {
    const rounds: ComparisonRound[] = [0, 1, 2].map((i) => ({
      runs: (['direct', ...COMPARED] as const).map((l) => {
        const x = run(l, l === 'crc-proxy' ? 0.5 : 1, i);
        if (l === 'crc-proxy') x.rttUs = q(x.rttUs.p50, 2000); // a long tail
        return x;
      }),
    }));
    const r = renderToxiproxy({ versions: {}, settings, rounds });
    expect(r.verdict).toBe('crc-proxy at least as good as toxiproxy in 9 of 10 columns; worse in: added round trip p99');
    expect(r.table.find((l) => l.startsWith('| added round trip p99'))).toContain('✗');
  });

  it('skipped: the reason is the table and the verdict', () => {
    const r = renderToxiproxy({ skipped: 'no upstream toxiproxy at /x', versions: {}, settings, rounds: [] });
    expect(r.table).toEqual(['(g) crc-proxy vs toxiproxy: skipped: no upstream toxiproxy at /x']);
    expect(r.verdict).toContain('skipped: no upstream toxiproxy at /x');
  });

  it('a process\'s CPU seconds from /proc/PID/stat grow as it works', () => {
    const before = processCpuSeconds(process.pid);
    const end = performance.now() + 100;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    const after = processCpuSeconds(process.pid);
    // At least one 10 ms tick of 100 ms spun (a bound, not a timing figure: CPU only grows).
    expect(after).toBeGreaterThan(before);
  });

  it('a process\'s scheduler counters from /proc/PID/task/*/schedstat grow with its wake-ups', async () => {
    const before = processSchedStat(process.pid);
    if (!before) return; // a kernel without schedstat: the bench leaves these rows empty
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 5));
    const after = processSchedStat(process.pid)!;
    // Each sleep ends with this thread getting a CPU again: at least three more slices.
    expect(after.slices - before.slices).toBeGreaterThanOrEqual(3);
    expect(after.runNs).toBeGreaterThan(before.runNs);
    expect(processSchedStat(2 ** 22 + 12345)).toBeUndefined(); // no such process
  });
});
