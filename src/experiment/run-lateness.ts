// A run's host lateness, wherever the network runs: the coordinator's own probe (sampled here,
// all run) and one probe per worker thread or server process (sampled there, asked for only
// when a check misses, and once at the end for the summary). A timed check is judged against
// the worst of them around its window (host-lateness.ts): the servers on the check's path run
// in those threads, and a worker can be late while the coordinator is not.
import { LatenessProbe, type LatenessSummary, type ThreadLateness } from '../util/lateness-probe.ts';

export const COORDINATOR = 'coordinator';

export interface WorstLateness {
  /** the worst timer lateness of any thread on the path around the span (ms): a worker's, or the coordinator's when no worker answered */
  maxMs: number;
  /** which thread it was */
  thread: string;
  /** the coordinator's own, when the workers were measured (it observes once; 0 otherwise) */
  observerMs: number;
}

/** A check that passed, or a run on virtual time (no host lateness): nothing to excuse. */
export const NOT_LATE: WorstLateness = { maxMs: 0, thread: '', observerMs: 0 };

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

  /**
   * The worst lateness of the network's threads around [from, to], and the coordinator's. Only
   * the coordinator's (as the host's) where no thread answers (external servers).
   */
  async worstAround(from: number, to: number): Promise<WorstLateness> {
    const own = this.own.maxIn(from, to);
    const threads = await this.ask(from, to);
    if (threads.length === 0) return { maxMs: own, thread: COORDINATOR, observerMs: 0 };
    const worst = threads.reduce((a, b) => (b.maxMs > a.maxMs ? b : a));
    return { maxMs: worst.maxMs, thread: worst.thread, observerMs: own };
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
