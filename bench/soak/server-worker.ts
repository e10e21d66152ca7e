// One CRC server of the soak's tree in its own worker thread, with a monitor whose /metrics the
// soak samples. Default limits: the soak measures the server as it ships. Messages in: 'join'
// (a port), 'memory', 'stop'. Out: the ports once listening, 'joined', this thread's heap and
// Buffer bytes with its longest event-loop stall since the last look, and the log's tail when stopped.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { startMonitor } from '../../src/net/monitor.ts';
import { CrcServerNode } from '../../src/net/server-node.ts';

export interface SoakServerSpec {
  id: number;
  name: string;
  info: string;
}
export type SoakServerCommand = { join: number } | { memory: true } | { stop: true };
export type SoakServerReply = { port: number; monitor: number } | { joined: true } | { memory: number; maxStallMs: number } | { stopped: true; logs: string[] };

/** Log lines kept for the report (the newest; limit lines are throttled to 20 a second). */
const KEEP = 5000;
const logs: string[] = [];
const spec = workerData as SoakServerSpec;
/** How late this thread's event loop ran at worst since the last 'memory' look: a turn that long delayed every connection. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const node = new CrcServerNode({ ...spec, port: 0, log: (l) => { if (logs.push(l) > KEEP) logs.shift(); } });
await node.start();
const monitor = await startMonitor(node, 0);
const reply = (m: SoakServerReply) => parentPort!.postMessage(m);
reply({ port: node.port, monitor: monitor.port });
parentPort!.on('message', (m: SoakServerCommand) => {
  if ('join' in m) {
    void node.join({ host: '127.0.0.1', port: m.join }).then(() => reply({ joined: true }));
  } else if ('memory' in m) {
    const { heapUsed, external } = process.memoryUsage(); // this thread's heap, and its Buffers
    reply({ memory: heapUsed + external, maxStallMs: loopDelay.max / 1e6 });
    loopDelay.reset();
  } else {
    void Promise.all([monitor.close(), node.stop()]).then(() => reply({ stopped: true, logs }));
  }
});
