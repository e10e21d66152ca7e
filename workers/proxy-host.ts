// A worker thread hosting many link proxies (fault injection between nodes). The coordinator
// drives it over comlink, like node-host:
//   new WorkerHandle<ProxyHostApi>({ kind: 'network', label: 'network', onEvents })
// Proxy events go back in batches over the raw event port (workerData.events), flushed when 512
// are waiting or 2 ms after the first. The proxies and their calls are src/faults/proxy-table.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { EventBatcher } from '../src/coordinator/event-batcher.ts';
import type { ProxyHostApi, WorkerData } from '../src/threads/worker-api.ts';
import type { ProxyEvent } from '../src/faults/events.ts';
import { proxyTable } from '../src/faults/proxy-table.ts';
import { Comlink, nodeEndpoint } from '../src/util/comlink-node.ts';
import { startThreadProbe } from '../src/util/host-lateness-board.ts';

const data = workerData as WorkerData;
const events = new EventBatcher<ProxyEvent>(data.events, data.eventTypes);
const table = proxyTable(data.label, (e) => events.push(e));
// How late this thread runs: its proxies are on the path of every check across their links.
const { probe: lateness } = startThreadProbe(data.latenessBoard);

const api: ProxyHostApi = {
  ...table.api,
  flushEvents(): void {
    events.flush();
  },
  lateness(from: number, to: number) {
    return lateness.around(from, to);
  },
  async stopAll(): Promise<void> {
    await table.stopAll();
    events.flush();
  },
};

Comlink.expose(api, nodeEndpoint(parentPort! as never));
// Loaded and listening: the coordinator times calls from now (worker-handle.ts).
data.events.postMessage({ ready: true });
