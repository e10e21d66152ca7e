// A ceiling for the router: one node of a relay chain (relay-node.ts) in its own worker
// thread, as each CRC server is.
import { ownTid } from './thread-stats.ts';
import { parentPort, workerData } from 'node:worker_threads';
import { type RelayMode, startRelayNode } from './relay-node.ts';

export type { RelayMode } from './relay-node.ts';

export interface RelayConfig {
  mode: RelayMode;
  /** the next relay's port (pipe: the target's); absent at the tail */
  nextPort?: number;
}

const cfg = workerData as RelayConfig;
const node = await startRelayNode(cfg.mode, cfg.nextPort);
// Its thread id (Linux), so a bench can read this thread's kernel counters from /proc/self/task.
const tid = ownTid();
parentPort!.postMessage({ port: node.port, tid });
parentPort!.on('message', (m: string) => {
  if (m === 'stop') {
    node.stop();
    process.exit(0);
  }
});
