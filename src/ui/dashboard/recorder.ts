// Everything done from the dashboard, as an experiment (src/experiment/schema.ts) that
// `npm run experiment -- FILE` replays: the topology, the seed, each action with its time
// since the network first converged (the experiment runner's clock starts there too), and the
// background load as traffic flows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperiment } from '../../experiment/parse.ts';
import type { Topology } from '../../topology/schema.ts';
import type { Flow } from './load.ts';

/** One timeline action as the experiment file spells it, without its time. */
export type RecordedAction = { do: string; [field: string]: unknown };

export interface RecorderOptions {
  /** a generator spec ("middle-earth", "tree:20:3") or the topology itself */
  topology: string | Topology;
  seed: number;
  serversPerWorker: number;
  proxied: boolean;
}

interface Load {
  flows: readonly Flow[];
  rate: number;
  size: number;
  start: number;
  stop?: number;
}

/** "2.5s": the experiment schema's durations. */
export const seconds = (ms: number): string => `${+(Math.max(0, ms) / 1000).toFixed(3)}s`;

export class ExperimentRecorder {
  private readonly actions: Array<{ t: number; action: RecordedAction }> = [];
  private readonly loads: Load[] = [];

  constructor(private readonly options: RecorderOptions) {}

  /** "12 actions, 1 load period" */
  get contents(): string {
    return `${this.actions.length} action${this.actions.length === 1 ? '' : 's'}${this.loads.length ? `, ${this.loads.length} load period${this.loads.length === 1 ? '' : 's'}` : ''}`;
  }

  action(t: number, action: RecordedAction): void {
    this.actions.push({ t, action });
  }

  loadStarted(t: number, flows: readonly Flow[], rate: number, size: number): void {
    this.loads.push({ flows, rate, size, start: t });
  }

  loadStopped(t: number): void {
    const last = this.loads.at(-1);
    if (last && last.stop === undefined) last.stop = t;
  }

  /**
   * The experiment as of `now`, with times counted from `origin` (when the network first
   * converged). `converged`: the network was converged at `now`, so the replay should end
   * converged too, and says so with a check.
   */
  build(now: number, origin: number | undefined, name: string, converged: boolean): Record<string, unknown> {
    origin ??= this.actions[0]?.t ?? now;
    const rel = (t: number) => Math.max(0, t - origin);
    const endMs = rel(now);
    const timeline: Array<Record<string, unknown>> = this.actions.map(({ t, action }) => ({ at: seconds(rel(t)), ...action }));
    if (converged) timeline.push({ at: seconds(endMs), expect: 'converged', within: '5s' });
    const traffic = this.loads.flatMap((l) => l.flows.map((f) => ({
      from: f.from, to: f.to, rate: l.rate, size: l.size, start: seconds(rel(l.start)), stop: seconds(rel(l.stop ?? now)),
    })));
    return {
      name,
      description: `Recorded from the npm start dashboard: ${this.actions.length} actions${traffic.length ? ` under background load (${traffic.length} flows)` : ''}.`,
      topology: this.options.topology,
      seed: this.options.seed,
      serversPerWorker: this.options.serversPerWorker,
      proxyLinks: this.options.proxied ? 'all' : [],
      traffic,
      timeline,
      // The runner still waits out a check that is pending when the duration ends.
      duration: seconds(endMs + 1000),
    };
  }

  /** Write the experiment to `dir`/<name>.json, checked against the schema first; returns the path. */
  write(dir: string, now: number, origin: number | undefined, converged: boolean, date = new Date()): string {
    const stamp = date.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
    const name = `dashboard-${stamp}`;
    const file = join(dir, `${name}.json`);
    const doc = this.build(now, origin, name, converged);
    parseExperiment(doc, file);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
    return file;
  }
}
