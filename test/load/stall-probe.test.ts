// The generator's stall probe tells "late because this thread was running" from "late while
// it slept or waited for a core" by the thread's own CPU and run-queue time (schedstat), not
// by wall-clock lateness, so these hold on a loaded machine: the busy stall is measured in CPU
// time spent, never in wall time. And a run's set-up happens before its t0 is chosen.
import { describe, expect, it } from 'vitest';
import { threadCpuNs } from '../../src/faults/proxy-table.ts';
import { Generator } from '../../src/load/generator.ts';
import type { GeneratorMessage } from '../../src/load/generator-api.ts';
import { RUNNING_MS, StallProbe, verdictOf } from '../../src/load/stall-probe.ts';
import { nowMs } from '../../src/util/clock.ts';

const linux = Number.isFinite(threadCpuNs());
/** How far schedstat's run time can lag a running thread (a scheduler tick, HZ 100 at worst). */
const SCHED_GRAIN_MS = 10;

/** Spin in this thread until it has used `ms` of CPU (however long that takes on a busy machine). */
function burnCpu(ms: number): void {
  const end = threadCpuNs() + ms * 1e6;
  let x = 0;
  while (threadCpuNs() < end) for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
  if (x < 0) throw new Error('unreachable');
}

/** One pump as the generator runs it: wake, a send due at the last idle, idle. */
function pump(probe: StallProbe, idleWall: number): void {
  probe.wake();
  probe.late(performance.now() - idleWall, 0);
  probe.idle();
}

describe.runIf(linux)('stall probe (schedstat)', () => {
  it('says "running" when the thread itself was busy through the gap', () => {
    const probe = new StallProbe();
    probe.idle();
    const idleWall = performance.now();
    burnCpu(30);
    pump(probe, idleWall);
    const { stall } = probe.second();
    probe.close();
    expect(stall).not.toBeNull();
    expect(stall!.verdict).toMatch(/^running/);
    // schedstat's run time of a running thread is brought up to date at scheduler ticks and
    // switches, so a reading can lag by a tick (1-10 ms): the bounds leave that much.
    expect(stall!.runningMs).toBeGreaterThanOrEqual(30 - SCHED_GRAIN_MS);
    expect(stall!.runQueueMs).toBeGreaterThanOrEqual(0);
    expect(stall!.gapMs).toBeGreaterThanOrEqual(30 - SCHED_GRAIN_MS);
  });

  it('charges a sleeping gap far less running time than a busy one', async () => {
    const probe = new StallProbe();
    probe.idle();
    const idleWall = performance.now();
    await new Promise((r) => setTimeout(r, 30));
    pump(probe, idleWall);
    const { stall, elu } = probe.second();
    probe.close();
    expect(stall!.runningMs).toBeLessThan(30);
    expect(stall!.gapMs).toBeGreaterThanOrEqual(25); // setTimeout may round a ms down
    expect(elu).toBeGreaterThanOrEqual(0);
  });

  it('never reports NaN: a send due before every reading is charged from the oldest one', () => {
    const probe = new StallProbe();
    probe.idle();
    probe.wake();
    probe.late(1e6, 0); // due 1,000 s ago: before any reading this probe took
    probe.idle();
    const { stall } = probe.second();
    probe.close();
    expect(Number.isFinite(stall!.runningMs)).toBe(true);
    expect(Number.isFinite(stall!.gapMs)).toBe(true);
    expect(stall!.verdict).not.toBe('unknown');
  });

  it('keeps the worst late send of a second, and starts afresh in the next', () => {
    const probe = new StallProbe();
    probe.idle();
    probe.wake();
    probe.late(5, 100);
    probe.late(3, 200); // not worse: ignored
    probe.idle();
    expect(probe.second().stall).toMatchObject({ lateMs: 5, atMs: 100 });
    expect(probe.second().stall).toBeNull();
    probe.close();
  });
});

describe('stall verdicts', () => {
  it('names own work, GC, run-queue wait and a late wake-up', () => {
    expect(verdictOf(RUNNING_MS + 10, 0, 1, 20)).toBe('running');
    expect(verdictOf(RUNNING_MS + 10, 0, RUNNING_MS + 9, 20)).toBe('running (GC)');
    expect(verdictOf(0.1, 80, 0, 100)).toBe('waiting for a core');
    expect(verdictOf(0.1, 5, 0, 100)).toBe('asleep');
    expect(verdictOf(NaN, NaN, 0, 100)).toBe('unknown');
  });
});

describe('generator run start', () => {
  it('builds the run before its t0 exists: prepare -> armed, then go starts the clock', async () => {
    const posted: GeneratorMessage[] = [];
    const g = new Generator({ label: 'test', clients: [], flows: [], size: 64, timeoutMs: 1000 }, (m) => posted.push(m));
    await g.command({ type: 'prepare', run: 7, steps: [{ rate: 10, durationMs: 50 }], shares: [], phases: [], drainMs: 0 });
    expect(posted.map((m) => m.type)).toEqual(['armed']); // answered at once, before any go
    await expect(g.command({ type: 'go', run: 8, t0: nowMs() })).rejects.toThrow(/run 7 was prepared/);
    await g.command({ type: 'go', run: 7, t0: nowMs() + 5 });
    const done = posted.find((m): m is Extract<GeneratorMessage, { type: 'done' }> => m.type === 'done');
    expect(done?.report.run).toBe(7);
    expect(Number.isFinite(done!.report.start.commandAtMs)).toBe(true);
    expect(done!.report.start.setupMs).toBeGreaterThanOrEqual(0);
    const second = posted.find((m): m is Extract<GeneratorMessage, { type: 'second' }> => m.type === 'second');
    expect(second?.report).toHaveProperty('stall', null); // nothing was due: no late send
    expect(second?.report.elu).toBeGreaterThanOrEqual(0);
    await g.command({ type: 'close' });
  });
});
