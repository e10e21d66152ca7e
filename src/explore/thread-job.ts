// A SeedJob in a worker thread of its own (the script: workers/explore-host.ts), so --jobs seeds
// run in parallel. One seed at a time per thread; a thread that dies fails its seed and is made
// again for the next one.
import { Worker } from 'node:worker_threads';
import type { ExperimentFile, RunResult } from './doc.ts';
import type { SeedJob } from './explore.ts';
import type { ExploreConfig, SeedOutcome } from './seed.ts';

/** What the thread is started with. */
export interface ExploreWorkerData {
  config: ExploreConfig;
  /** where its runs' results folders go (removed after each run unless keepResults) */
  outDir: string;
  placement?: string;
  keepResults?: boolean;
}

/** The thread's messages: a failure before its shrinking, then the seed's outcome (or why it broke). */
export type ExploreWorkerMessage =
  | { type: 'failed'; seed: number; doc: ExperimentFile; result: RunResult }
  | { type: 'done'; outcome: SeedOutcome }
  | { type: 'error'; seed: number; message: string };

export class ThreadJob implements SeedJob {
  private worker?: Worker;
  private pending?: { seed: number; onFailed: (doc: ExperimentFile, result: RunResult) => void; resolve: (o: SeedOutcome) => void; reject: (e: Error) => void };
  private closed = false;

  constructor(private readonly script: URL, private readonly data: ExploreWorkerData) {}

  run(seed: number, onFailed: (doc: ExperimentFile, result: RunResult) => void): Promise<SeedOutcome> {
    if (this.closed) return Promise.reject(new Error('explore: the job was closed'));
    const w = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      this.pending = { seed, onFailed, resolve, reject };
      w.postMessage({ seed });
    });
  }

  private start(): Worker {
    const w = new Worker(this.script, { workerData: this.data });
    w.on('message', (m: ExploreWorkerMessage) => {
      const p = this.pending;
      if (!p) return;
      if (m.type === 'failed') return p.onFailed(m.doc, m.result);
      this.pending = undefined;
      if (m.type === 'done') p.resolve(m.outcome);
      else p.reject(new Error(`seed ${m.seed}: ${m.message}`));
    });
    const died = (why: string) => {
      if (this.worker === w) this.worker = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new Error(`seed ${p.seed}: the explore thread ${why}`));
    };
    w.on('error', (err) => died(`failed: ${err.message}`));
    w.on('exit', (code) => died(`exited (${code})`));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }
}
