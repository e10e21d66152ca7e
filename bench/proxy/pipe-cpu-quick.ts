// Scratch: node dist/bench/proxy/pipe-cpu-quick.js [seconds] [rounds]
import { WorkerHandle } from '../../src/coordinator/worker-handle.ts';
import type { ProxyHostApi } from '../../src/coordinator/worker-api.ts';
import { HOST, listen } from './measure.ts';
import { pipeCpu } from './pipe-cpu.ts';
const seconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);
let sunk = 0;
const sink = await listen((s) => s.on('data', (d: Buffer) => (sunk += d.length)));
const handle = new WorkerHandle<ProxyHostApi>({ kind: 'network', label: 'proxies', eventTypes: [] });
const port = await handle.call('add', (api) => api.addProxy('sink', { host: HOST, port: sink.port }, 1));
for (let r = 0; r < rounds; r++) {
  for (const size of [64, 1024, 16384, 65536]) {
    const x = await pipeCpu(handle, port, () => sunk, size, seconds);
    console.log(`chunk ${size}: ${(x.bytes / x.seconds / 1e6).toFixed(0)} MB/s, ${x.nsPerByte.toFixed(3)} ns/B, ${x.nsPerChunk.toFixed(0)} ns/chunk, core ${x.core.toFixed(2)}`);
  }
}
await handle.stop();
process.exit(0);
