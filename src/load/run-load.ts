// `npm run load` without its flags and its screen: boot the tree, attach the generators, run
// the schedule (once, as a ramp, or as --find-max trials) with an experiment's faults if
// asked, and write the results folder. Ctrl-C (stop()) ends the schedule early; what ran is
// still reported.
import { join } from 'node:path';
import type { Experiment } from '../experiment/schema.ts';
import type { Topology } from '../topology/schema.ts';
import { machineInfo } from '../util/machine.ts';
import { type FaultWindow, type PlayedAction, faultWindows, playTimeline } from './faults.ts';
import { type Trial, findMax } from './find-max.ts';
import type { FlowSpec } from './patterns.ts';
import { type LoadReport, writeLoadReport } from './report.ts';
import type { Step } from './schedule.ts';
import { LoadSession } from './session.ts';
import type { Slo } from './slo.ts';
import type { RunSummary, SecondSummary } from './summary.ts';

export interface LoadPlan {
  /** the command line as typed, and what replays it */
  command: string;
  replay: string;
  topology: Topology;
  placement: 'workers' | 'processes';
  serversPerWorker: number;
  pattern: string;
  flows: FlowSpec[];
  size: number;
  generators: number;
  seed: number;
  mode: 'run' | 'ramp' | 'find-max';
  steps: Step[];
  slo?: Slo;
  experiment?: { file: string; exp: Experiment };
  out?: string;
}

export interface LoadHooks {
  log?: (line: string) => void;
  /** each second of the current run; `label` names the run or trial, `plannedS` its length */
  onSecond?: (s: SecondSummary, run: { label: string; plannedS: number }) => void;
  onTrial?: (t: Trial) => void;
}

export class LoadRun {
  private session: LoadSession | undefined;
  private stopped = false;

  constructor(private readonly plan: LoadPlan, private readonly hooks: LoadHooks = {}) {}

  /** Ctrl-C: end the schedule now; the run drains, reports and stops. */
  stop(): void {
    this.stopped = true;
    this.session?.cut();
  }

  async execute(): Promise<{ report: LoadReport; dir: string; files: string[] }> {
    const p = this.plan;
    const log = this.hooks.log ?? (() => {});
    const started = new Date();
    const exp = p.experiment?.exp;
    this.session = await LoadSession.start({
      topology: p.topology, flows: p.flows, seed: p.seed, size: p.size, generators: p.generators,
      placement: p.placement, serversPerWorker: p.serversPerWorker, log,
      proxyLinks: exp ? (exp.proxyLinks === 'all' ? 'all' : exp.proxyLinks.map((l) => l.split('-').map(Number) as [number, number])) : [],
    });
    const session = this.session;
    if (this.stopped) session.cut();
    const runs: RunSummary[] = [];
    let findMaxResult: LoadReport['findMax'];
    let played: PlayedAction[] = [];
    let skipped: string[] = [];
    let windows: FaultWindow[] = [];
    try {
      const plannedS = p.steps.reduce((a, s) => a + s.durationMs, 0) / 1000;
      if (p.mode === 'find-max') {
        const r = await findMax(session, {
          slo: p.slo!, startRate: p.steps[0]!.rate, durationMs: p.steps[0]!.durationMs, stopped: () => this.stopped,
          onTrial: (t) => {
            log(`trial ${t.rate}/s: ${t.held ? 'held' : 'broke'} the SLO ${p.slo!.text} (${t.why})`);
            this.hooks.onTrial?.(t);
          },
          onSecond: (s) => this.hooks.onSecond?.(s, { label: 'find-max trial', plannedS: p.steps[0]!.durationMs / 1000 }),
        });
        const { runs: trialRuns, ...rest } = r;
        runs.push(...trialRuns);
        findMaxResult = rest;
        log(`highest rate keeping ${r.slo}: ${r.maxRate} chats/s${r.limiting ? `; limiting: ${r.limiting.text}` : ''}`);
      } else {
        const label = p.mode === 'ramp' ? `ramp ${p.steps[0]!.rate}→${p.steps.at(-1)!.rate}/s` : `${p.steps[0]!.rate}/s`;
        runs.push(await session.run(label, p.steps, {
          onSecond: (s) => this.hooks.onSecond?.(s, { label, plannedS }),
          during: exp ? async (t0) => {
            ({ played, skipped } = await playTimeline(session.sim, exp, t0, log));
          } : undefined,
        }));
        if (exp) windows = faultWindows(exp, played);
      }
    } finally {
      await session.stop();
    }
    const report: LoadReport = {
      command: p.command, replay: p.replay, seed: p.seed, started: started.toISOString(), machine: machineInfo(),
      topology: { name: p.topology.name, servers: p.topology.servers.length, placement: p.placement, serversPerWorker: p.serversPerWorker },
      pattern: p.pattern, flows: p.flows.length, size: p.size, generators: p.generators, mode: p.mode,
      interrupted: this.stopped, runs, findMax: findMaxResult,
      experiment: p.experiment ? { file: p.experiment.file, played, skipped, windows } : undefined,
      names: Object.fromEntries(p.topology.servers.map((s) => [String(s.id), s.name])),
      charts: [],
    };
    const dir = p.out ?? join('results', 'load', started.toISOString().replace(/[:.]/g, '-'));
    const files = await writeLoadReport(report, dir);
    return { report, dir, files };
  }
}
