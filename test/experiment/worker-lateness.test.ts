// Per-thread lateness (issue 20): a worker made late on purpose (a busy wait inside it) turns
// the check it made miss into INCONCLUSIVE naming that worker (judged on the coordinator's probe
// alone, as before, it was a FAIL: the coordinator was not that late). A miss far beyond the
// lateness of every thread stays FAIL (fed by hand: no test depends on this machine's load).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Simulation } from '../../src/coordinator/simulation.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { judgeTiming } from '../../src/experiment/host-lateness.ts';
import { RunLateness } from '../../src/experiment/run-lateness.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import type { ThreadLateness } from '../../src/util/lateness-probe.ts';

describe('lateness of each worker thread', () => {
  it('a busy worker on the path makes a missed check INCONCLUSIVE, naming that worker', async () => {
    // s1-s2-s3, a server per thread; client 100003 on s3 quits while s2's thread is busy for
    // 600 ms (under the 1 s ping timeout: no link is declared dead), so s2 and s1 forget it late.
    const exp = parseExperiment({
      name: 'busy-worker',
      topology: resolveTopology('chain:3', { clients: 3 }),
      seed: 3,
      timeline: [
        { at: '500ms', do: 'quit', client: 100003, text: 'bye' },
        { expect: 'forgotten', id: 100003, within: '50ms' },
      ],
      duration: '1.5s',
    }, 'busy-worker.json');
    const lines: string[] = [];
    let stalled: string | undefined;
    const summary = await runExperiment(exp, {
      file: 'busy-worker.json', command: 'vitest', outDir: mkdtempSync(join(tmpdir(), 'crc-late-')), log: (l) => lines.push(l),
      onTimelineStart: (net) => {
        // Worker threads: the real-port network (a Simulation); the sim has none.
        const sim = net as Simulation;
        const worker = sim.workers.find((w) => w.hosts.includes(sim.nameOf(2)))!;
        stalled = worker.label;
        setTimeout(() => void worker.call('stall', (api) => Promise.resolve(api.stallForTest(600))), 200);
      },
    });
    const check = summary.checks[0]!;
    expect(stalled).toBe('servers-2');
    expect(check.tookMs, JSON.stringify(check)).not.toBeNull();
    // s2 could not forget before its thread was free again: a miss of hundreds of ms.
    expect(check.tookMs!).toBeGreaterThan(200);
    expect(check, lines.join('\n')).toMatchObject({ outcome: 'INCONCLUSIVE', passed: false });
    expect(check.lateThread).toMatch(/^servers-2\b/);
    expect(check.hostLateMs!).toBeGreaterThan(300);
    expect(check.detail).toMatch(/host late by [\d.]+ ms in servers-2/);
    // Nothing else was excused: the network ended consistent, nothing failed.
    expect(summary.outcome).toBe('INCONCLUSIVE');
    expect(summary.hostLateness?.threads?.map((t) => t.thread.split(' ')[0]).sort()).toEqual(expect.arrayContaining(['clients-1', 'servers-1', 'servers-2', 'servers-3']));
  }, 60_000);

  it('a check is not "never" while the host is late enough to excuse its answer: the wait goes on that long', async () => {
    // As above, but s2 stalls 1.8 s: its answer comes past the wait's own grace (bound + 1 s),
    // well inside what s2's lateness excuses. Liveness slow enough to see no dead link.
    const exp = parseExperiment({
      name: 'long-stall',
      topology: resolveTopology('chain:3', { clients: 3 }),
      seed: 3,
      liveness: { interval: '2s', timeout: '10s' },
      timeline: [
        { at: '500ms', do: 'quit', client: 100003, text: 'bye' },
        { expect: 'forgotten', id: 100003, within: '50ms' },
      ],
      duration: '1.5s',
    }, 'long-stall.json');
    const summary = await runExperiment(exp, {
      file: 'long-stall.json', command: 'vitest', outDir: mkdtempSync(join(tmpdir(), 'crc-late-')),
      onTimelineStart: (net) => {
        const sim = net as Simulation;
        const worker = sim.workers.find((w) => w.hosts.includes(sim.nameOf(2)))!;
        setTimeout(() => void worker.call('stall', (api) => Promise.resolve(api.stallForTest(1800))), 200);
      },
    });
    const check = summary.checks[0]!;
    // Before: "did not happen" (FAIL) at 1.05 s, while s2 was still stalled.
    expect(check.tookMs, JSON.stringify(check)).not.toBeNull();
    expect(check.tookMs!).toBeGreaterThan(1050);
    expect(check).toMatchObject({ outcome: 'INCONCLUSIVE' });
    expect(check.lateThread).toMatch(/^servers-2\b/);
  }, 90_000);

  it('names the latest thread, and a miss far beyond every thread\'s lateness stays FAIL', async () => {
    const threads = async (from: number, to: number): Promise<ThreadLateness[]> => {
      const summary = { periodMs: 10, samples: 100, p50Ms: 1, p99Ms: 40, maxMs: 40 };
      // servers-4 was 40 ms late around 1000-1100 only; servers-1 a little, all the time.
      return [
        { thread: 'servers-1 (s1)', maxMs: 2, summary: { ...summary, maxMs: 2 } },
        { thread: 'servers-4 (s4)', maxMs: from <= 1100 && to >= 1000 ? 40 : 0, summary },
      ];
    };
    const run = new RunLateness(threads);
    try {
      const worst = await run.worstAround(1000, 1300);
      expect(worst.thread).toBe('servers-4 (s4)');
      expect(worst.maxMs).toBe(40);
      expect(worst.observerMs).toBeGreaterThanOrEqual(0); // the coordinator's own, counted once
      // The coordinator observes once: its lateness is added, not multiplied by the wake-ups.
      expect(judgeTiming(250, 50, 40, 3, 'servers-4 (s4)', 100)).toMatchObject({ outcome: 'INCONCLUSIVE', allowanceMs: 220, why: expect.stringMatching(/x 3 wake-ups \+ 100\.0 ms the coordinator = 220 ms/) });
      expect(judgeTiming(250, 50, 40, 3, 'servers-4 (s4)', 10).outcome).toBe('FAIL');
      // 100 ms over a 50 ms bound, 3 wake-ups: 120 ms excused.
      expect(judgeTiming(150, 50, worst.maxMs, 3, worst.thread)).toMatchObject({ outcome: 'INCONCLUSIVE', why: expect.stringMatching(/in servers-4 \(s4\)/) });
      // 900 ms over: far more than 3 x 40 ms.
      expect(judgeTiming(950, 50, worst.maxMs, 3, worst.thread)).toMatchObject({ outcome: 'FAIL', why: expect.stringMatching(/worst in servers-4/) });
      // Outside its late spell, servers-4 excuses nothing.
      expect(await run.worstAround(2000, 2300)).toMatchObject({ thread: 'servers-1 (s1)', maxMs: 2 });
      // No thread answers (external servers): the coordinator stands for the host, as before.
      expect(await new RunLateness(async () => []).worstAround(0, 1)).toMatchObject({ thread: 'coordinator', observerMs: 0 });
      await run.gather();
      expect(run.figures().threads.map((t) => t.thread)).toEqual(['servers-1 (s1)', 'servers-4 (s4)']);
    } finally {
      run.stop();
    }
  });
});
