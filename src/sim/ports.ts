// The sim's address space: numbered ports, each with a listener (a server, or a link proxy)
// that answers a dial with the dialler's end of a new in-memory connection, and dial(), which
// connects at once (no handshake in virtual time) or is refused when nothing listens there.
// Ports are handed out in order, so a run's ports depend only on the run.
import { type MemoryStream, memoryPair } from '../faults/memory-stream.ts';
import type { Clock } from '../util/clock.ts';
import { type SimStream, simEnd } from './stream.ts';

export const SIM_HOST = 'sim';
const FIRST_PORT = 10_000;
/** A run has at most this many listeners at once (servers and proxies). */
const MAX_LISTENERS = 200_000;

/** Answers a dial from `remote`: the dialler's end (throws: refused). */
export type Listener = (remote: string) => MemoryStream;

export class SimPorts {
  private next = FIRST_PORT;
  private readonly listeners = new Map<number, Listener>();

  constructor(readonly clock: Clock) {}

  /** Listen on `port` (a restarted server takes its old one back) or the next free one. */
  listen(listener: Listener, port?: number): number {
    if (this.listeners.size >= MAX_LISTENERS) throw new Error(`sim: more than ${MAX_LISTENERS} listeners`);
    const p = port ?? this.next++;
    if (this.listeners.has(p)) throw new Error(`sim: port ${p} is already in use`);
    this.listeners.set(p, listener);
    return p;
  }

  /** A server's listener: each dial makes a pair, and `accept` gets the server's end. */
  serve(accept: (end: SimStream) => void, port?: number): number {
    return this.listen((remote) => {
      const [dialler, server] = memoryPair(this.clock, { name: `${remote} -> ${port ?? 'server'}` }, { name: `server <- ${remote}` });
      accept(simEnd(server));
      return dialler;
    }, port);
  }

  close(port: number): void {
    this.listeners.delete(port);
  }

  /** The dialler's raw end toward `port` (for a link proxy's dial); throws when nothing listens there. */
  dialRaw(port: number, remote: string): MemoryStream {
    const listener = this.listeners.get(port);
    if (!listener) throw new Error(`nothing listens on sim port ${port}`);
    return listener(remote);
  }

  /** Connect to `port`: the dialler's end, or undefined (connection refused). */
  dial(port: number, remote: string): SimStream | undefined {
    const listener = this.listeners.get(port);
    return listener ? simEnd(listener(remote)) : undefined;
  }
}
