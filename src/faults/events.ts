// What a link proxy reports: connections, toxics and link faults, each stamped with its
// clock's now() (real: nowMs() from util/clock.ts, comparable across worker threads; virtual:
// ms since the run began).
import type { DirectionSpec } from './toxic.ts';

interface Base {
  /** the proxy's name */
  proxy: string;
  t: number;
}

export type ProxyEvent = Base &
  (
    | { type: 'proxy-conn-opened'; conn: number; remote: string }
    | { type: 'proxy-conn-closed'; conn: number; reason: string; bytesUp: number; bytesDown: number }
    | { type: 'proxy-conn-refused'; remote: string; how: 'close' | 'reset' }
    | { type: 'toxic-added'; toxic: string; toxicType: string; direction: DirectionSpec; toxicity: number }
    | { type: 'toxic-removed'; toxic: string }
    | { type: 'toxic-updated'; toxic: string; attributes: Record<string, unknown> }
    | { type: 'link-down'; direction: DirectionSpec; how: 'close' | 'reset'; mode: 'cut' | 'silent' }
    /** `mode`: only what was down that way came up */
    | { type: 'link-up'; direction: DirectionSpec; mode?: 'cut' | 'silent' }
    | { type: 'link-hold'; direction: DirectionSpec }
    | { type: 'link-release'; direction: DirectionSpec }
  );

export type ProxyEventType = ProxyEvent['type'];
