// The clock of a live view: frames at most every `frameMs` (and only when there is something
// new, or once a second for the clock), the servers' counters sampled every `sampleMs`. The
// terminal dashboard draws each frame with ink; the plain mode prints one line a frame.
import { nowMs } from '../../util/clock.ts';
import type { SimReader } from './reader.ts';
import type { Snapshot, DashboardState } from './state.ts';

export interface LiveLoopOptions {
  /** shortest time between frames (default 100 ms: at most 10 frames a second) */
  frameMs?: number;
  sampleMs?: number;
  /** log lines each snapshot carries */
  logLines?: number;
  /** after each sample (the controller refreshes the load's figures) */
  onSample?: () => void;
  now?: () => number;
}

export class LiveLoop {
  private reader: SimReader | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private requested = true;
  private lastFrame = 0;
  private sampling = false;
  private readonly now: () => number;

  constructor(private readonly state: DashboardState, private readonly sink: (s: Snapshot) => void, private readonly options: LiveLoopOptions = {}) {
    this.now = options.now ?? nowMs;
  }

  start(): void {
    this.frameTimer = setInterval(() => this.tick(), this.options.frameMs ?? 100);
  }

  /** The network is up: read it from now on. */
  attach(reader: SimReader): void {
    this.reader = reader;
    reader.started();
    this.sampleTimer = setInterval(() => void this.sample(), this.options.sampleMs ?? 1000);
    this.requestFrame();
  }

  requestFrame(): void {
    this.requested = true;
  }

  /** Draw a frame now if there is anything new (or a second has passed). */
  tick(): void {
    const now = this.now();
    if (!this.requested && !this.state.changed && now - this.lastFrame < 1000) return;
    this.requested = false;
    this.lastFrame = now;
    this.reader?.refresh(now);
    this.sink(this.state.frame(now, this.options.logLines));
  }

  private async sample(): Promise<void> {
    if (this.sampling || !this.reader) return; // a slow sample (a server busy) is not stacked up
    this.sampling = true;
    try {
      await this.reader.sample(this.now);
      this.options.onSample?.();
    } finally {
      this.sampling = false;
    }
  }

  /** One last frame, then no more. */
  stop(): Snapshot {
    clearInterval(this.frameTimer);
    clearInterval(this.sampleTimer);
    const now = this.now();
    this.reader?.refresh(now);
    return this.state.frame(now, this.options.logLines);
  }
}
