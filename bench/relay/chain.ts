// Start relays, each in a worker: one (startRelay), or a chain of `nodes` relays with
// nodes - 1 hops between them (startRelayChain).
import { Worker } from 'node:worker_threads';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import type { RelayConfig, RelayMode } from './relay-worker.ts';

export interface Relay {
  /** where it listens */
  port: number;
  /** its worker's thread id (Linux; undefined elsewhere) */
  tid?: number;
  stop(): Promise<void>;
}

/** One relay worker forwarding to `nextPort` (absent: a chain's tail). */
export async function startRelay(mode: RelayMode, nextPort?: number): Promise<Relay> {
  const workerData: RelayConfig = { mode, nextPort };
  const w = new Worker(builtUrl('bench/relay/relay-worker'), { workerData });
  const { port, tid } = await new Promise<{ port: number; tid?: number }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  return { port, tid, stop: async () => void (await w.terminate()) };
}

export interface RelayChain {
  /** where the sender connects */
  headPort: number;
  /** where the receiver connects (and greets with 'R') */
  tailPort: number;
  /** the relays' thread ids, head first (Linux; undefined elsewhere) */
  tids: Array<number | undefined>;
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
    tids: relays.map((r) => r.tid),
    stop: async () => {
      await Promise.all(relays.map((r) => r.stop()));
    },
  };
}
