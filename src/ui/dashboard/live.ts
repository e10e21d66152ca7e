// The clock of a live view: a frame within `frameMs` of a key or an action, within
// `eventFrameMs` of news from the network (a burst of events is one frame, not ten), and once
// a second for the clock and the counters sampled every `sampleMs`. A frame costs the
// coordinator's thread ~20 ms of ink at 160×50, so frames are drawn only when there is
// something new. The terminal dashboard draws each frame with ink; the plain mode prints one
// line a frame.
import { nowMs } from '../../util/clock.ts';
import type { SimReader } from './reader.ts';
import type { Snapshot, DashboardState } from './state.ts';

export interface LiveLoopOptions {
  /** shortest time between frames (default 100 ms: at most 10 frames a second) */
  frameMs?: number;
  /** shortest time between frames that only show news from the network (default 250 ms) */
  eventFrameMs?: number;
  sampleMs?: number;
  /** log lines each snapshot carries */
  logLines?: number;
  /** draw every frame even when nothing changed (the cost benchmark's worst case) */
  alwaysDraw?: boolean;
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
    const since = now - this.lastFrame;
    const news = this.state.changed && since >= (this.options.eventFrameMs ?? 250);
    if (!this.requested && !news && !this.options.alwaysDraw && since < 1000) return;
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
