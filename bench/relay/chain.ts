// Start relays, each in a worker: one (startRelay), or a chain of `nodes` relays with
// nodes - 1 hops between them (startRelayChain).
import { Worker } from 'node:worker_threads';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import type { RelayConfig, RelayMode } from './relay-worker.ts';

export interface Relay {
  /** where it listens */
  port: number;
  stop(): Promise<void>;
}

/** One relay worker forwarding to `nextPort` (absent: a chain's tail). */
export async function startRelay(mode: RelayMode, nextPort?: number): Promise<Relay> {
  const workerData: RelayConfig = { mode, nextPort };
  const w = new Worker(builtUrl('bench/relay/relay-worker'), { workerData });
  const port = await new Promise<number>((resolve, reject) => {
    w.once('message', (m: { port: number }) => resolve(m.port));
    w.once('error', reject);
  });
  return { port, stop: async () => void (await w.terminate()) };
}

export interface RelayChain {
  /** where the sender connects */
  headPort: number;
  /** where the receiver connects (and greets with 'R') */
  tailPort: number;
  stop(): Promise<void>;
}

export async function startRelayChain(nodes: number, mode: 'raw' | 'decode'): Promise<RelayChain> {
  const relays: Relay[] = [];
  // Build from the tail so each relay can dial the next.
  let next: number | undefined;
  for (let i = 0; i < nodes; i++) {
    const r = await startRelay(mode, next);
    relays.unshift(r);
    next = r.port;
  }
  return {
    headPort: relays[0]!.port,
    tailPort: relays[relays.length - 1]!.port,
    stop: async () => {
      await Promise.all(relays.map((r) => r.stop()));
    },
  };
}
