// Steady chat traffic from one simulated client (a node-host worker's traffic() call): `rate` chats a
// second for `durationMs`, each text stamped by traffic-text.ts. The client is looked up on
// every tick, so traffic goes on through a re-dial (the same node) and a restart (a new node
// under the same name): chats due while it is not connected are skipped, not queued, and the
// rest keep their pace. Sequence numbers count the chats sent, so they have no gaps.
import { trafficText } from './traffic-text.ts';
import { type Clock, realClock } from '../util/clock.ts';

/** What traffic needs of a client: a TCP node (net/client-node.ts) or a sim one (sim/client.ts). */
export interface TrafficClient {
  state(): { connected: boolean };
  chat(to: number, text: string): void;
}

export interface TrafficSpec {
  to: number;
  /** chats per second */
  rate: number;
  /** bytes of text per chat, at least */
  size: number;
  durationMs: number;
  tag: string;
}

/** While the client is not connected, it is looked at this often at most (ms). */
const IDLE_LOOK_MS = 20;

/** Resolves with how many chats were sent; paced and stamped by `clock` (real by default, or the sim's virtual one). */
export function runTraffic(clientNow: () => TrafficClient | undefined, spec: TrafficSpec, clock: Clock = realClock): Promise<{ sent: number }> {
  const interval = 1000 / spec.rate;
  const slots = Math.ceil(spec.durationMs / interval);
  const start = clock.now();
  const end = start + spec.durationMs;
  /**
   * When chat k is due, as an absolute time: the same expression arms the timer and judges it
   * due, so a tick always finds its chat due. (Judging by elapsed / interval once left it a float
   * ulp short of due on virtual time, re-arming the tick at the same instant for ever.)
   */
  const dueAt = (k: number) => start + k * interval;
  /** Chats due so far, sent or skipped. */
  let slot = 0;
  let sent = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = clock.now();
      if (now >= end) return resolve({ sent });
      const c = clientNow();
      const up = c !== undefined && c.state().connected;
      // Catch up on every chat due by now (timers fire late under load; the rate holds).
      for (; slot < slots && dueAt(slot) <= now; slot++) {
        if (up) c.chat(spec.to, trafficText(spec.tag, sent++, clock.now(), spec.size));
      }
      // Always later than now: the next chat's time, or the end.
      const next = slot < slots ? dueAt(slot) : end;
      clock.at(up ? next : Math.max(next, now + IDLE_LOOK_MS), tick);
    };
    tick();
  });
}
