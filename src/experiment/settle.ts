// The wait between the end of an experiment's traffic and the loss count: a chat still on its
// way (queued behind a starved link, or on a late host) is late, not lost. The wait goes on
// while chats keep arriving, and ends QUIET_MS after the last one, or SETTLE_LIMIT_MS after
// the traffic ended, whichever is first.
import type { Clock } from '../util/clock.ts';

/** No arrival for this long: what has not come is taken as lost (ms). */
export const QUIET_MS = 2000;
/** The longest wait for the last chats (ms): a slow drain past it is counted as loss. */
export const SETTLE_LIMIT_MS = 30_000;
const LOOK_MS = 20;

export interface FlowCount {
  sent: number;
  delivered: number;
}

/**
 * Wait for in-flight chats; returns how long it waited, when the last chat came (ms after the
 * traffic's end, 0 if none came) and whether the limit ended it.
 */
export async function settleTraffic(flows: readonly FlowCount[], clock: Clock, quietMs = QUIET_MS, limitMs = SETTLE_LIMIT_MS): Promise<{ waitedMs: number; lastArrivalMs: number; limited: boolean }> {
  const begin = clock.now();
  const delivered = () => flows.reduce((n, f) => n + f.delivered, 0);
  let seen = delivered();
  let lastArrival = begin;
  const done = (limited: boolean) => ({ waitedMs: clock.now() - begin, lastArrivalMs: lastArrival - begin, limited });
  for (;;) {
    if (!flows.some((f) => f.delivered < f.sent)) return done(false);
    const now = clock.now();
    if (now - begin >= limitMs) return done(true);
    if (now - lastArrival >= quietMs) return done(false);
    await new Promise<void>((r) => clock.at(now + LOOK_MS, r));
    const d = delivered();
    if (d > seen) {
      seen = d;
      lastArrival = clock.now();
    }
  }
}
