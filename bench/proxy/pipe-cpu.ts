// The pipe's own cost: CPU of the proxy's thread per byte relayed (and per chunk read), with the
// proxy alone in a network worker, a sender writing `chunk`-byte writes as fast as the socket
// takes them and a counting sink in this thread. Thread CPU is read from the kernel
// (/proc/thread-self/schedstat), so it is the proxy thread's own, however loaded the machine is.
import type { WorkerHandle } from '../../src/threads/worker-handle.ts';
import type { ProxyHostApi } from '../../src/threads/worker-api.ts';
import { dial } from '../../src/net/dial.ts';
import { HOST } from './measure.ts';

export interface PipeCpu {
  chunkBytes: number;
  bytes: number;
  seconds: number;
  /** proxy thread CPU ns per byte relayed */
  nsPerByte: number;
  /** proxy thread CPU ns per `chunkBytes` written by the sender */
  nsPerChunk: number;
  /** share of a core the proxy thread used */
  core: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Relay `seconds` of `chunkBytes` writes through proxy `name` (to the sink whose count is `sunk`). */
export async function pipeCpu(handle: WorkerHandle<ProxyHostApi>, port: number, sunk: () => number, chunkBytes: number, seconds: number): Promise<PipeCpu> {
  const s = await dial(HOST, port);
  const chunk = Buffer.alloc(chunkBytes, 0x81);
  let running = true;
  const pump = () => {
    while (running && s.write(chunk));
  };
  s.on('drain', pump);
  pump();
  await sleep(300);
  const b0 = sunk();
  const c0 = await handle.call('cpu', (api) => api.threadCpuNs());
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = await handle.call('cpu', (api) => api.threadCpuNs());
  const bytes = sunk() - b0;
  const secs = (performance.now() - t0) / 1000;
  running = false;
  s.destroy();
  await sleep(200);
  const ns = c1 - c0;
  return { chunkBytes, bytes, seconds: secs, nsPerByte: ns / bytes, nsPerChunk: (ns / bytes) * chunkBytes, core: ns / 1e9 / secs };
}
