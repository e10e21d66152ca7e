// The latency bench's receiver, in a thread of its own that does nothing else: a receiver busy
// with other work (the sender's timers) adds its own wake-up delay, up to ~1-2 ms at p99 on a
// 2-vCPU VM, which is not the proxy's. It stamps each fixed-size message (when its last byte
// arrived) with nowMs(), comparable across threads, and hands the stamps over on request.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { nowMs } from '../../src/util/clock.ts';

/** [message id (its first 4 bytes, big-endian), arrival ms] */
export type Stamp = [number, number];

export interface StamperConfig {
  messageBytes: number;
}

const { messageBytes } = workerData as StamperConfig;
let stamps: Stamp[] = [];
const server = net.createServer({ noDelay: true }, (s) => {
  let pending: Buffer = Buffer.alloc(0);
  s.on('data', (d: Buffer) => {
    const t = nowMs();
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    let off = 0;
    for (; off + messageBytes <= pending.length; off += messageBytes) stamps.push([pending.readUInt32BE(off), t]);
    pending = pending.subarray(off);
  });
});
server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as net.AddressInfo).port));
parentPort!.on('message', () => {
  parentPort!.postMessage(stamps);
  stamps = [];
});
