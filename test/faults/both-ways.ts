// One link proxy, two backends (not a test file itself): real sockets on the real clock, or
// memory streams on a VirtualClock. A scenario written once against Backend runs on both, so a
// test can compare what a toxic or link fault does in memory with what it does on a socket.
import net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ByteStream } from '../../src/faults/byte-stream.ts';
import { memoryPair } from '../../src/faults/memory-stream.ts';
import { LinkProxy } from '../../src/faults/proxy.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';
import { sleep, waitFor } from './helpers.ts';

/** What one end saw, stamped with its backend's now(). */
export class Side {
  readonly chunks: Array<{ t: number; data: Buffer }> = [];
  endedAt: number | undefined;
  closedAt: number | undefined;
  error: { t: number; code: string | undefined } | undefined;

  constructor(private readonly stream: ByteStream, now: () => number) {
    stream.on('data', (data: Buffer) => this.chunks.push({ t: now(), data }));
    stream.on('end', () => (this.endedAt ??= now()));
    stream.on('error', (err: NodeJS.ErrnoException) => (this.error ??= { t: now(), code: err.code }));
    stream.on('close', () => (this.closedAt ??= now()));
  }

  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.data.length, 0);
  }

  received(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.data));
  }

  write(data: Buffer | string): void {
    this.stream.write(typeof data === 'string' ? Buffer.from(data) : data);
  }

  end(): void {
    this.stream.end();
  }
}

export interface Backend {
  readonly kind: 'socket' | 'memory';
  readonly proxy: LinkProxy;
  now(): number;
  /** The longest this thread's timers were held up so far, ms (a busy machine's stalls; 0 in virtual time). */
  stalls(): number;
  /** A connection through the proxy, once the server has it. */
  connect(): Promise<{ client: Side; server: Side }>;
  /** Just the dialler's side of a connection (e.g. one the proxy refuses). */
  dial(): Promise<Side>;
  /** Let `ms` pass. */
  sleep(ms: number): Promise<void>;
  /** Until `cond` holds; throws after `maxMs`, naming `what`. */
  until(cond: () => unknown, maxMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

const PROXY_NAME = 'both-ways';

/** A proxy on real ports in front of a recording server. */
export async function socketBackend(seed: number): Promise<Backend> {
  const now = () => performance.now();
  const servers: Side[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    servers.push(new Side(s, now));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const proxy = new LinkProxy({ name: PROXY_NAME, seed, target: { host: '127.0.0.1', port } });
  const proxyPort = await proxy.start();
  // How late a 1 ms timer ran: everything in this thread (client, proxy, server) was that late too.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const dial = async (): Promise<Side> => {
    const s = net.connect({ host: '127.0.0.1', port: proxyPort, noDelay: true });
    sockets.add(s);
    const client = new Side(s, now);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return client;
  };
  return {
    kind: 'socket',
    proxy,
    now,
    stalls: () => loop.max / 1e6,
    dial,
    async connect() {
      const had = servers.length;
      const client = await dial();
      const srv = await waitFor(() => servers[had], 3000, 'the server to accept');
      return { client, server: srv };
    },
    sleep,
    until: (cond, maxMs, what) => waitFor(cond, maxMs, what).then(() => undefined),
    async stop() {
      loop.disable();
      await proxy.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The same proxy in memory on a VirtualClock, in front of a recording server end. */
export function memoryBackend(seed: number): Backend {
  const clock = new VirtualClock();
  const now = () => clock.now();
  const servers: Side[] = [];
  const proxy = new LinkProxy({
    name: PROXY_NAME, seed, clock,
    dial: () => {
      const [toServer, atServer] = memoryPair(clock);
      servers.push(new Side(atServer, now));
      return toServer;
    },
  });
  return {
    kind: 'memory',
    proxy,
    now,
    stalls: () => 0,
    async dial() {
      return new Side(proxy.connect(), now);
    },
    async connect() {
      const client = new Side(proxy.connect(), now);
      const server = servers[servers.length - 1]!;
      await clock.runUntil(clock.now()); // the pipes open on a later turn at the same time
      return { client, server };
    },
    sleep: (ms) => clock.runUntil(clock.now() + ms),
    async until(cond, maxMs, what) {
      const deadline = clock.now() + maxMs;
      await clock.runUntil(deadline, () => Boolean(cond()));
      if (!cond()) throw new Error(`virtual time: no ${what} within ${maxMs} ms`);
    },
    stop: () => clock.runWhile(proxy.stop()),
  };
}
