// Progress while the bench runs: a bar per phase (ink) in a terminal, plain lines otherwise.
import type { Progress } from '../phases/common.ts';

export interface PhaseState {
  name: string;
  total: number;
  done: number;
  detail: string;
  finished: boolean;
  startedAt: number;
}

export type ClosableProgress = Progress & { close(): void };

/** Plain lines: one per tick, for pipes and CI logs. */
export class LineProgress implements ClosableProgress {
  private readonly phases = new Map<string, PhaseState>();
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}
  phase(name: string, total: number): void {
    this.phases.set(name, { name, total, done: 0, detail: '', finished: false, startedAt: performance.now() });
    this.out.write(`[${name}] ${total} steps\n`);
  }
  tick(name: string, detail = ''): void {
    const p = this.phases.get(name);
    if (!p) return;
    p.done++;
    if (detail) this.out.write(`[${name} ${p.done}/${p.total}] ${detail}\n`);
  }
  done(name: string): void {
    const p = this.phases.get(name);
    if (p) this.out.write(`[${name}] done in ${((performance.now() - p.startedAt) / 1000).toFixed(1)} s\n`);
  }
  note(line: string): void {
    this.out.write(`note: ${line}\n`);
  }
  close(): void {}
}

export function createProgress(): ClosableProgress {
  const tty = process.stdout.isTTY === true && !process.env.CI;
  if (!tty) return new LineProgress();
  return new InkProgressLoader();
}

/**
 * Loads the ink view lazily (ink is ESM with top-level await in places and costs ~100 ms to
 * load), buffering calls until it is ready.
 */
class InkProgressLoader implements ClosableProgress {
  private target: ClosableProgress | undefined;
  private queue: Array<(p: ClosableProgress) => void> = [];
  constructor() {
    void import('./progress-view.tsx').then((m) => {
      this.target = m.startInkProgress();
      for (const f of this.queue.splice(0)) f(this.target);
    });
  }
  private call(f: (p: ClosableProgress) => void): void {
    if (this.target) f(this.target);
    else this.queue.push(f);
  }
  phase(name: string, total: number): void { this.call((p) => p.phase(name, total)); }
  tick(name: string, detail?: string): void { this.call((p) => p.tick(name, detail)); }
  done(name: string): void { this.call((p) => p.done(name)); }
  note(line: string): void { this.call((p) => p.note(line)); }
  close(): void { this.call((p) => p.close()); }
}
