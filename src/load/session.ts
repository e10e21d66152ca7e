// A load session: the tree booted through the Simulation facade, converged, the generator
// threads attached, and then one or more runs of the open-loop schedule, each summarised
// with a second-by-second view and the servers' resources sampled once a second.
import { Simulation, type SimulationOptions } from '../coordinator/simulation.ts';
import type { Topology } from '../topology/schema.ts';
import { nowMs } from '../util/clock.ts';
import type { SecondReport } from './generator-api.ts';
import { GeneratorPool } from './generator-pool.ts';
import type { FlowSpec } from './patterns.ts';
import { ResourceSampler, type ResourceSample } from './sampler.ts';
import { type Step, flowPhases, flowShares } from './schedule.ts';
import { type RunSummary, type SecondSummary, mergeSecond, summariseRun } from './summary.ts';

/** From choosing t0 to the first chats: time for the 'go' to reach every armed generator, ms. */
const START_LEAD_MS = 100;

export interface SessionOptions {
  topology: Topology;
  flows: FlowSpec[];
  seed: number;
  size: number;
  /** generator threads */
  generators: number;
  placement?: SimulationOptions['placement'];
  serversPerWorker?: number;
  /** server links through fault proxies (needed for faults; costs a hop of CPU) */
  proxyLinks?: SimulationOptions['proxyLinks'];
  /** how long a run waits for the last chats after its schedule ends, ms */
  drainMs?: number;
  log?: (line: string) => void;
}

export class LoadSession {
  private runs = 0;
  private pool: GeneratorPool | undefined;
  private readonly sampler: ResourceSampler;

  private constructor(readonly sim: Simulation, private readonly o: SessionOptions) {
    this.sampler = new ResourceSampler(sim);
  }

  static async start(o: SessionOptions): Promise<LoadSession> {
    const log = o.log ?? (() => {});
    const sim = await Simulation.start({
      topology: o.topology, seed: o.seed, placement: o.placement, serversPerWorker: o.serversPerWorker,
      proxyLinks: o.proxyLinks ?? [], traceFrames: false,
      // Worker start-up on a busy machine can take seconds; a load run should not fail on it.
      callTimeoutMs: 30_000,
    });
    const session = new LoadSession(sim, o);
    try {
      await sim.converged({ timeoutMs: 60_000 });
      log(`${o.topology.name}: ${o.topology.servers.length} servers up and converged; attaching ${o.generators} load generator thread(s) for ${o.flows.length} flows`);
      session.pool = await GeneratorPool.start(sim, o.flows, { generators: o.generators, size: o.size, timeoutMs: 30_000 });
    } catch (err) {
      await session.stop();
      throw err;
    }
    return session;
  }

  /** Run the schedule `steps` once; `during(t0)` runs alongside (an experiment's timeline). */
  async run(label: string, steps: Step[], hooks: { onSecond?: (s: SecondSummary) => void; during?: (t0: number) => Promise<void> } = {}): Promise<RunSummary> {
    const pool = this.pool!;
    const run = this.runs++;
    const shares = flowShares(this.o.flows.map((f) => f.weight));
    const phases = flowPhases(this.o.flows.length, this.o.seed);
    const seconds: SecondSummary[] = [];
    const plannedS = Math.ceil(steps.reduce((a, s) => a + s.durationMs, 0) / 1000);
    const pending = new Map<number, SecondReport[]>();
    let latest: ResourceSample | undefined;
    let sampling = false;
    const sampleTimer = setInterval(() => {
      if (sampling) return; // a slow sample is skipped, not queued
      sampling = true;
      this.sampler.sample().then((s) => (latest = s), () => {}).finally(() => (sampling = false));
    }, 1000);
    void this.sampler.sample().catch(() => {}); // baseline for the first second's deltas
    const onSecond = (r: SecondReport) => {
      const parts = pending.get(r.second) ?? [];
      parts.push(r);
      pending.set(r.second, parts);
      if (parts.length < pool.size) return;
      pending.delete(r.second);
      const s = mergeSecond(parts, latest);
      if (s.second >= plannedS && s.offered + s.delivered + s.unknownDestination === 0) return; // an idle second of the drain
      seconds.push(s);
      hooks.onSecond?.(s);
    };
    let started: (t0: number) => void = () => {};
    const t0Chosen = new Promise<number>((r) => (started = r));
    try {
      const [reports] = await Promise.all([
        pool.run({
          run, steps, shares, phases, drainMs: this.o.drainMs ?? 3000,
          // every generator is armed; the lead covers the 'go' message reaching each thread
          startAt: () => {
            const t0 = nowMs() + START_LEAD_MS;
            started(t0);
            return t0;
          },
        }, onSecond),
        hooks.during ? t0Chosen.then((t0) => hooks.during!(t0)) : undefined,
      ]);
      for (const parts of [...pending.values()]) seconds.push(mergeSecond(parts, latest)); // a generator's last second
      seconds.sort((a, b) => a.second - b.second);
      return summariseRun(label, steps, this.o.flows, reports, seconds);
    } finally {
      clearInterval(sampleTimer);
    }
  }

  /** Ctrl-C: end the current run's schedule now (it still drains and reports). */
  cut(): void {
    this.pool?.cut();
  }

  async stop(): Promise<void> {
    await this.pool?.close().catch(() => {});
    await this.sim.stop();
  }
}
