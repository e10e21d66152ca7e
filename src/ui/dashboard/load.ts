// Background load for `t`: chats between client pairs far apart in the tree (both ways),
// generated in the clients' worker in one-second chunks, so the coordinator does one call a
// second per flow and never per chat, and a stop takes effect within a second.
import { serverDistances } from '../../topology/generate.ts';
import type { Topology } from '../../topology/schema.ts';
import type { DashboardSim } from './reader.ts';

export interface Flow {
  from: number;
  to: number;
}

/** Tags the dashboard's chats (traffic-text.ts) so they are told apart from anyone else's. */
export const LOAD_TAG = 'dash-';

/**
 * Up to `pairs` pairs of clients, each as far apart as the clients not yet used allow (the
 * first: the clients at the two ends of the longest path), as flows both ways.
 */
export function loadFlows(t: Topology, pairs = 2): Flow[] {
  const flows: Flow[] = [];
  let left = [...t.clients];
  const farthest = (from: number, among: typeof left) => {
    const d = serverDistances(t, from);
    return among.reduce((best, c) => ((d.get(c.server) ?? -1) > (d.get(best.server) ?? -1) ? c : best));
  };
  while (flows.length < 2 * pairs && left.length >= 2) {
    // Two sweeps find the farthest pair in a tree: the farthest from anyone, then the farthest from it.
    const a = farthest(left[0]!.server, left);
    const b = farthest(a.server, left.filter((c) => c !== a));
    flows.push({ from: a.id, to: b.id }, { from: b.id, to: a.id });
    left = left.filter((c) => c !== a && c !== b);
  }
  return flows;
}

export class BackgroundLoad {
  sent = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** ends the flows' waits at once when the load stops */
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly sim: Pick<DashboardSim, 'traffic'>,
    readonly flows: readonly Flow[],
    readonly rate: number,
    readonly size: number,
    private readonly chunkMs = 1000,
  ) {}

  get on(): boolean {
    return this.running !== undefined && !this.stopping;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = Promise.all(this.flows.map((f) => this.flow(f))).then(() => {
      this.running = undefined;
    });
  }

  /** Resolves when every flow's current chunk has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await this.running;
  }

  private async flow(f: Flow): Promise<void> {
    while (!this.stopping) {
      const due = performance.now() + this.chunkMs;
      const r = await this.sim.traffic(f.from, f.to, this.rate, this.size, this.chunkMs, LOAD_TAG).catch(() => ({ sent: 0 }));
      this.sent += r.sent;
      // A sender that is gone (quit, crashed) ends its chunk at once: wait out the second anyway.
      const left = due - performance.now();
      if (left > 0 && !this.stopping) {
        await new Promise<void>((res) => {
          const wake = () => {
            clearTimeout(timer);
            this.wakers.delete(wake);
            res();
          };
          const timer = setTimeout(wake, left);
          this.wakers.add(wake);
        });
      }
    }
  }
}
