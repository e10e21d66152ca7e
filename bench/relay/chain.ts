// Start a relay chain of `nodes` relays (nodes - 1 hops between them), each in a worker.
import { Worker } from 'node:worker_threads';
import { builtUrl } from '../../src/coordinator/worker-handle.ts';

export interface RelayChain {
  /** where the sender connects */
  headPort: number;
  /** where the receiver connects (and greets with 'R') */
  tailPort: number;
  stop(): Promise<void>;
}

export async function startRelayChain(nodes: number, mode: 'raw' | 'decode'): Promise<RelayChain> {
  const url = builtUrl('bench/relay/relay-worker');
  const workers: Worker[] = [];
  const ports: number[] = [];
  // Build from the tail so each relay can dial the next.
  let next: number | undefined;
  for (let i = 0; i < nodes; i++) {
    const w = new Worker(url, { workerData: { mode, nextPort: next } });
    workers.push(w);
    const port = await new Promise<number>((resolve, reject) => {
      w.once('message', (m: { port: number }) => resolve(m.port));
      w.once('error', reject);
    });
    ports.unshift(port);
    next = port;
  }
  return {
    headPort: ports[0]!,
    tailPort: ports[ports.length - 1]!,
    stop: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
