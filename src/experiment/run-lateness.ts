// A run's host lateness, wherever the network runs: the coordinator's own probe (sampled here,
// all run) and one probe per worker thread or server process (sampled there, asked for only
// when a check misses, and once at the end for the summary). A timed check is judged against
// the worst of them around its window (host-lateness.ts): the servers on the check's path run
// in those threads, and a worker can be late while the coordinator is not.
import { LatenessProbe, type LatenessSummary, type ThreadLateness } from '../util/lateness-probe.ts';

export const COORDINATOR = 'coordinator';

export interface WorstLateness {
  /** the worst timer lateness of any thread around the span (ms) */
  maxMs: number;
  /** which thread it was */
  thread: string;
}

/** The run's figures: the coordinator's, and each thread's (the latest answer; a thread gone since keeps its last). */
export interface LatenessFigures {
  coordinator: LatenessSummary;
  threads: Array<{ thread: string } & LatenessSummary>;
}

export class RunLateness {
  private readonly own = new LatenessProbe().start();
  /** Each thread's latest summary, by name (bounded by the network's threads). */
  private readonly seen = new Map<string, LatenessSummary>();

  /** `threads`: the network's threads around a span (Simulation.threadLateness), once it runs. */
  constructor(private threads?: (from: number, to: number) => Promise<ThreadLateness[]>) {}

  attach(threads: (from: number, to: number) => Promise<ThreadLateness[]>): void {
    this.threads = threads;
  }

  /** The worst lateness of the coordinator and of every thread around [from, to]. */
  async worstAround(from: number, to: number): Promise<WorstLateness> {
    let worst: WorstLateness = { maxMs: this.own.maxIn(from, to), thread: COORDINATOR };
    for (const t of await this.ask(from, to)) if (t.maxMs > worst.maxMs) worst = { maxMs: t.maxMs, thread: t.thread };
    return worst;
  }

  /** Ask every thread once more (before they stop), for the summary. */
  async gather(): Promise<void> {
    await this.ask(0, 0);
  }

  stop(): void {
    this.own.stop();
  }

  figures(): LatenessFigures {
    return { coordinator: this.own.summary(), threads: [...this.seen].map(([thread, s]) => ({ thread, ...s })) };
  }

  private async ask(from: number, to: number): Promise<ThreadLateness[]> {
    const all = await this.threads?.(from, to).catch(() => []) ?? [];
    for (const t of all) this.seen.set(t.thread, t.summary);
    return all;
  }
}
