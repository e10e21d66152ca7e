// What the npm start dashboard costs the network it watches: middle-earth with every server
// link through a fault proxy (as the dashboard runs it), saturated by closed-loop chat pairs,
// with the simulation's own clients chatting too (so node events stream to the coordinator),
// measured in alternating phases with the dashboard off and on in one run. "On": the real
// dashboard drawn in full into a fake 160×50 terminal, the counters polled once a second,
// every event fed to its state; frames as npm start draws them (on change, at most 10 a
// second) or, with --draw always, the worst case of a frame every 100 ms.
//
//   npm run build && node dist/bench/dashboard-cost.js [--draw changes|always] [--phases N] [--phase-ms D]
import '../src/ui/dashboard/production.ts'; // first: before react is loaded, as in npm start
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { Piscina } from 'piscina';
import { builtUrl } from '../src/threads/worker-handle.ts';
import { Simulation } from '../src/coordinator/simulation.ts';
import type { SimEvent } from '../src/threads/worker-api.ts';
import type { ProxyEvent } from '../src/faults/events.ts';
import { UsageError, intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { resolveTopology } from '../src/topology/generate.ts';
import { Dashboard } from '../src/ui/dashboard/app.tsx';
import { BackgroundLoad, loadFlows } from '../src/ui/dashboard/load.ts';
import type { LoadResult, LoadTask } from './load/load-task.ts';
import { MIX } from './phases/throughput.ts';
import { freshId } from './phases/common.ts';

const USAGE = `usage: node dist/bench/dashboard-cost.js [--draw changes|always] [--phases N] [--phase-ms D] [--window W] [--event-rate R]

  --draw WHEN     changes: frames as npm start draws them (default); always: one every 100 ms;
                  none: an A/A run, the "on" phases without the dashboard (the noise floor)

  --phases N      off/on pairs, alternated (default 3)
  --phase-ms D    length of each phase (default 3000)
  --window W      chats in flight per saturating pair (default 32)
  --event-rate R  chats/s on each of the simulation's own client flows, whose deliveries
                  reach the coordinator as events (default 250; 4 flows)
`;

/** A terminal that is not there: counts what ink writes. */
class FakeTerminal extends Writable {
  bytes = 0;
  writes = 0;
  readonly columns = 160;
  readonly rows = 50;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.bytes += chunk.length;
    this.writes++;
    done();
  }
}

/** A keyboard nobody types on (ink wants raw mode). */
class IdleKeyboard extends EventEmitter {
  readonly isTTY = true;
  setRawMode(): this { return this; }
  setEncoding(): this { return this; }
  resume(): this { return this; }
  pause(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  read(): null { return null; }
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    draw: { type: 'string', default: 'changes' },
    phases: { type: 'string' }, 'phase-ms': { type: 'string' }, window: { type: 'string' }, 'event-rate': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void process.stdout.write(USAGE);
  const phases = intFlag(values, 'phases', 1, 100, 3);
  const phaseMs = intFlag(values, 'phase-ms', 200, 600_000, 3000);
  const window = intFlag(values, 'window', 1, 10_000, 32);
  const eventRate = intFlag(values, 'event-rate', 0, 100_000, 250);
  const topology = resolveTopology('middle-earth');
  if (!['changes', 'always', 'none'].includes(values.draw!)) throw new UsageError(`--draw must be changes, always or none, got '${values.draw}'`);
  const alwaysDraw = values.draw === 'always';

  let onEvent: ((e: SimEvent) => void) | undefined;
  let onProxy: ((e: ProxyEvent) => void) | undefined;
  let events = 0;
  const sim = await Simulation.start({
    topology, seed: 1, proxyLinks: 'all',
    onEvent: (e) => {
      events++;
      onEvent?.(e);
    },
    onProxyEvent: (e) => onProxy?.(e),
  });
  const pool = new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 2, concurrentTasksPerWorker: 4, idleTimeout: 60_000 });
  const background = new BackgroundLoad(sim, loadFlows(topology), Math.max(1, eventRate), 64);
  try {
    await sim.converged({ timeoutMs: 30_000 });
    if (eventRate > 0) background.start();
    const saturate = async (): Promise<number> => {
      const tasks: LoadTask[] = MIX.map(([from, to]) => ({
        mode: 'crc', senderPort: sim.port(from), receiverPort: sim.port(to), senderId: freshId(), receiverId: freshId(), window, size: 64, durationMs: phaseMs,
      }));
      const results = await Promise.all(tasks.map((t) => pool.run(t) as Promise<LoadResult>));
      const errors = results.flatMap((r) => (r.error ? [r.error] : []));
      if (errors.length) throw new Error(`load: ${errors.join('; ')}`);
      const elapsed = Math.max(...results.map((r) => r.elapsedMs));
      return (results.reduce((a, r) => a + r.delivered, 0) / elapsed) * 1000;
    };
    await saturate(); // warm-up, not counted
    const rows: Array<{ phase: string; msgsPerSec: number; busy: number; frames: number; renderMs: number; kib: number; events: number }> = [];
    for (let i = 0; i < phases * 2; i++) {
      const on = i % 2 === 1;
      const terminal = new FakeTerminal();
      let frames = 0;
      let renderMs = 0;
      const dash = on && values.draw !== 'none' ? new Dashboard({
        topology, topologySpec: 'middle-earth', seed: 1, serversPerWorker: 1, proxied: true, loadRate: 100, loadSize: 64, latencyMs: 50, jitterMs: 5,
        recordDir: '/nonexistent', onQuit: () => {}, stdout: terminal as unknown as NodeJS.WriteStream, stdin: new IdleKeyboard() as unknown as NodeJS.ReadStream,
        debug: true, alwaysDraw,
        onRender: (ms) => {
          frames++;
          renderMs += ms;
        },
      }) : undefined;
      if (dash) {
        onEvent = (e) => dash.state.simEvent(e);
        onProxy = (e) => dash.state.proxyEvent(e);
        dash.attach(sim);
      }
      const events0 = events;
      // The coordinator's own thread: how much of the time it was busy (the dashboard runs there).
      const elu0 = performance.eventLoopUtilization();
      const msgsPerSec = await saturate();
      const busy = performance.eventLoopUtilization(elu0).utilization;
      onEvent = undefined;
      onProxy = undefined;
      await dash?.close();
      rows.push({ phase: on ? 'on' : 'off', msgsPerSec, busy, frames, renderMs, kib: terminal.bytes / 1024, events: events - events0 });
      process.stdout.write(`${on ? 'on ' : 'off'}  ${Math.round(msgsPerSec).toLocaleString('en-US').padStart(8)} msgs/s  coordinator thread ${(busy * 100).toFixed(1).padStart(4)}% busy  ${on ? `${frames} frames, ${(renderMs / Math.max(1, frames)).toFixed(2)} ms ink render each, ${(terminal.bytes / 1024).toFixed(0)} KiB drawn, ` : ''}${events - events0} node events\n`);
    }
    const mean = (p: string, of: (r: (typeof rows)[number]) => number = (r) => r.msgsPerSec) => {
      const xs = rows.filter((r) => r.phase === p).map(of);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const off = mean('off');
    const on = mean('on');
    process.stdout.write(`\nsaturating throughput (4 pairs, window ${window}, 64 B; frames ${values.draw === 'none' ? 'never: A/A' : alwaysDraw ? 'every 100 ms' : 'on change'}) with ${eventRate ? `${background.flows.length} client flows at ${eventRate}/s as node events` : 'no node events'}:\n`);
    process.stdout.write(`  dashboard off ${Math.round(off).toLocaleString('en-US')} msgs/s, on ${Math.round(on).toLocaleString('en-US')} msgs/s: on/off = ${(on / off).toFixed(3)} (cost ${((1 - on / off) * 100).toFixed(1)}%)\n`);
    process.stdout.write(`  coordinator thread busy: off ${(mean('off', (r) => r.busy) * 100).toFixed(1)}%, on ${(mean('on', (r) => r.busy) * 100).toFixed(1)}% of the time; ${(mean('on', (r) => r.frames) / (phaseMs / 1000)).toFixed(1)} frames/s at ${(mean('on', (r) => r.renderMs / Math.max(1, r.frames))).toFixed(1)} ms of ink render each\n`);
  } finally {
    await background.stop();
    await pool.destroy();
    await sim.stop();
  }
});
