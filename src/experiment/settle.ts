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

/** Wait for in-flight chats; returns how long it waited and whether the limit ended it. */
export async function settleTraffic(flows: readonly FlowCount[], clock: Clock, quietMs = QUIET_MS, limitMs = SETTLE_LIMIT_MS): Promise<{ waitedMs: number; limited: boolean }> {
  const begin = clock.now();
  const delivered = () => flows.reduce((n, f) => n + f.delivered, 0);
  let seen = delivered();
  let lastArrival = begin;
  for (;;) {
    if (!flows.some((f) => f.delivered < f.sent)) return { waitedMs: clock.now() - begin, limited: false };
    const now = clock.now();
    if (now - begin >= limitMs) return { waitedMs: now - begin, limited: true };
    if (now - lastArrival >= quietMs) return { waitedMs: now - begin, limited: false };
    await new Promise<void>((r) => clock.at(now + LOOK_MS, r));
    const d = delivered();
    if (d > seen) {
      seen = d;
      lastArrival = clock.now();
    }
  }
}
