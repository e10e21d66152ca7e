// A link proxy's byte and connection counts: closed connections are folded into totals when
// they close, open ones are read live, so stats() costs nothing on the data path.
import type { DownHow } from './fault-state.ts';
import type { PipePair } from './pipe-pair.ts';
import type { Pipe } from './pipe.ts';
import type { Direction, ToxicInfo } from './toxic.ts';

export interface DirectionStats {
  /** bytes read from the source side */
  in: number;
  /** bytes written to the destination side */
  out: number;
  /** bytes queued now because the direction is held */
  queued: number;
  /** bytes dropped because the direction was silent */
  dropped: number;
  /** bytes past the gate but not yet taken by the kernel: held by toxics, batched, or in the socket's buffer */
  buffered: number;
}

export interface ProxyStats {
  name: string;
  port: number;
  target: { host: string; port: number };
  connections: { open: number; total: number; refused: number };
  upstream: DirectionStats;
  downstream: DirectionStats;
  /** 'close' / 'reset' while a direction is cut (new connections refused that way). */
  down: DownHow | undefined;
  cut: Direction[];
  silent: Direction[];
  held: Direction[];
  toxics: ToxicInfo[];
}

interface Closed {
  in: number;
  out: number;
  dropped: number;
}

export class ProxyTotals {
  connections = 0;
  refused = 0;
  private readonly up: Closed = { in: 0, out: 0, dropped: 0 };
  private readonly down: Closed = { in: 0, out: 0, dropped: 0 };

  /** A connection closed: keep its counts. */
  addClosed(conn: PipePair): void {
    fold(this.up, conn.up);
    fold(this.down, conn.down);
  }

  /** Closed connections' counts plus the open ones' as they are now. */
  directions(open: Iterable<PipePair>): { upstream: DirectionStats; downstream: DirectionStats } {
    const upstream: DirectionStats = { ...this.up, queued: 0, buffered: 0 };
    const downstream: DirectionStats = { ...this.down, queued: 0, buffered: 0 };
    for (const c of open) {
      for (const [p, s] of [[c.up, upstream], [c.down, downstream]] as const) {
        if (!p) continue;
        s.in += p.bytesIn;
        s.out += p.bytesOut;
        s.queued += p.queued;
        s.dropped += p.dropped;
        s.buffered += p.pressure();
      }
    }
    return { upstream, downstream };
  }
}

function fold(into: Closed, p: Pipe | undefined): void {
  into.in += p?.bytesIn ?? 0;
  into.out += p?.bytesOut ?? 0;
  into.dropped += p?.dropped ?? 0;
}
