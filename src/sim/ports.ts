// The sim's address space: numbered ports, each with a listener (a server, or a link proxy),
// and dial(), which connects at once (no handshake in virtual time) or is refused when
// nothing listens there. Ports are handed out in order, so a run's ports depend only on it.
import type { Clock } from '../util/clock.ts';
import { type SimStream, streamPair } from './stream.ts';

export const SIM_HOST = 'sim';
const FIRST_PORT = 10_000;
/** A run has at most this many listeners at once (servers and proxies). */
const MAX_LISTENERS = 200_000;

export class SimPorts {
  private next = FIRST_PORT;
  private readonly listeners = new Map<number, (end: SimStream) => void>();

  constructor(readonly clock: Clock, private readonly delayMs = 0) {}

  /** Listen on `port` (a restarted server takes its old one back) or the next free one. */
  listen(accept: (end: SimStream) => void, port?: number): number {
    if (this.listeners.size >= MAX_LISTENERS) throw new Error(`sim: more than ${MAX_LISTENERS} listeners`);
    const p = port ?? this.next++;
    if (this.listeners.has(p)) throw new Error(`sim: port ${p} is already in use`);
    this.listeners.set(p, accept);
    return p;
  }

  close(port: number): void {
    this.listeners.delete(port);
  }

  /** Connect to `port`: the dialler's end, or undefined (connection refused). */
  dial(port: number): SimStream | undefined {
    const accept = this.listeners.get(port);
    if (!accept) return undefined;
    const [mine, theirs] = streamPair(this.clock, this.delayMs);
    accept(theirs);
    return mine.open ? mine : undefined;
  }
}
