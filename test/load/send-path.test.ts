// The generator's own work is not inside the latency it reports (issue 23). A chat's latency
// runs from its intended send time to its arrival, so whatever this thread does between the
// due time and the write, or between reading the delivery and stamping it, is counted as the
// network's. Made slow on purpose (a stall-probe read or a decode that takes BURN_MS), that
// work must not show in the measure: before the fix, every chat was at least BURN_MS late or
// slow, because the lateness stamp came after the probe's /proc read and the arrival stamp
// after the frame was decoded. The bound is one-sided: without the fix each sample is >=
// BURN_MS by construction; with it, a 1-hop chat's p50 stays far below that on any machine.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { Generator } from '../../src/load/generator.ts';
import type { GeneratorMessage, RunReport } from '../../src/load/generator-api.ts';
import { LOAD_ID_BASE } from '../../src/load/generator-pool.ts';
import { StallProbe } from '../../src/load/stall-probe.ts';
import { FrameDecoder } from '../../src/protocol/index.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { nowMs } from '../../src/util/clock.ts';

const BURN_MS = 300;
/** Keep this thread busy for `ms` of wall time (as a slow /proc read or decode would). */
const burn = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
};

let sim: Simulation | undefined;
let gen: Generator | undefined;
beforeEach(async () => {
  sim = await Simulation.start({ topology: resolveTopology('chain:2'), traceFrames: false });
  await sim.converged({ timeoutMs: 30_000 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await gen?.command({ type: 'close' });
  gen = undefined;
  await sim?.stop();
  sim = undefined;
});

/** One flow 1 -> 2 from a generator in this thread: 4 chats, 500 ms apart; its run report. */
async function runFlow(beforeGo: () => void = () => {}): Promise<RunReport> {
  const a = LOAD_ID_BASE + 1;
  const b = LOAD_ID_BASE + 2;
  const posted: GeneratorMessage[] = [];
  gen = new Generator({
    label: 'send-path', size: 64, timeoutMs: 30_000, flows: [{ index: 0, from: a, to: b }],
    clients: [{ id: a, name: 'load-a', port: sim!.port(1) }, { id: b, name: 'load-b', port: sim!.port(2) }],
  }, (m) => posted.push(m));
  await gen.connect();
  await gen.command({ type: 'prepare', run: 0, steps: [{ rate: 2, durationMs: 2000 }], shares: [1], phases: [0.5], drainMs: 3000 });
  beforeGo();
  await gen.command({ type: 'go', run: 0, t0: nowMs() + 50 });
  const done = posted.find((m): m is Extract<GeneratorMessage, { type: 'done' }> => m.type === 'done');
  expect(done).toBeDefined();
  const report = done!.report;
  expect(report.flows[0]!.offered).toBe(4);
  expect(report.flows[0]!.delivered).toBe(4);
  return report;
}

it('a slow stall-probe read after the writes is not in the send lateness', async () => {
  const wake = StallProbe.prototype.wake;
  const report = await runFlow(() => {
    vi.spyOn(StallProbe.prototype, 'wake').mockImplementation(function (this: StallProbe, ...args) {
      burn(BURN_MS);
      return wake.apply(this, args);
    });
  });
  // lateness in µs: each send is stamped at its write, before the probe reads /proc
  expect(report.lateness.percentile(50)).toBeLessThan(BURN_MS * 1000);
}, 60_000);

it('a slow decode of the delivery is not in its latency: the arrival is stamped before decoding', async () => {
  const feed = FrameDecoder.prototype.feed;
  const report = await runFlow(() => {
    vi.spyOn(FrameDecoder.prototype, 'feed').mockImplementation(function (this: FrameDecoder, ...args) {
      burn(BURN_MS);
      return feed.apply(this, args);
    });
  });
  expect(report.flows[0]!.latency.percentile(50)).toBeLessThan(BURN_MS * 1000);
}, 60_000);
