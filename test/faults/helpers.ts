// Real-socket helpers for the fault-injection tests (not a test file itself): an echo server, a
// recording sink server, a recording client, and a Cleanup that closes all of it.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { vi } from 'vitest';
import { LinkProxy, type LinkProxyOptions } from '../../src/faults/proxy.ts';

import { waitFor } from '../wait.ts';

export { type Truthy, waitFor } from '../wait.ts';


/**
 * FINs at an in-process proxy, watched on net.Socket itself: when the proxy's socket from
 * `peer` has read its FIN, and how many sockets toward `upstreamPort` were ended. The proxy
 * passes a FIN on within that same 'end' event (Pipe.onSrcEnd, synchronously), so checking
 * right after it proves whether one leaked, with no wait. restore() when done.
 */
export function watchFins(peer: Peer, upstreamPort: number): { reachedProxy(): boolean; endedUpstream(): number; restore(): void } {
  const emit = vi.spyOn(net.Socket.prototype, 'emit');
  const end = vi.spyOn(net.Socket.prototype, 'end');
  return {
    reachedProxy: () => emit.mock.calls.some(([event], i) => (event as string) === 'end' && (emit.mock.contexts[i] as net.Socket).remotePort === peer.socket.localPort),
    endedUpstream: () => end.mock.contexts.filter((s) => (s as net.Socket).remotePort === upstreamPort).length,
    restore: () => {
      emit.mockRestore();
      end.mockRestore();
    },
  };
}
export const now = () => performance.now();

/** Everything one end of a TCP connection saw, with arrival times (performance.now ms). */
export class Peer {
  readonly chunks: Array<{ t: number; data: Buffer }> = [];
  bytes = 0;
  endedAt: number | undefined;
  closedAt: number | undefined;
  error: NodeJS.ErrnoException | undefined;
  readonly openedAt = now();

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.chunks.push({ t: now(), data });
      this.bytes += data.length;
    });
    socket.on('end', () => (this.endedAt = now()));
    socket.on('error', (err: NodeJS.ErrnoException) => (this.error = err));
    socket.on('close', () => (this.closedAt = now()));
  }

  received(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.data));
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port, noDelay: true });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new Peer(s));
      });
    });
  }
}

/** A server that records every accepted connection as a Peer; `echo` writes back what it reads. */
export class TestServer {
  readonly peers: Peer[] = [];
  readonly server: net.Server;
  port = 0;

  constructor(readonly echo: boolean, allowHalfOpen = false) {
    this.server = net.createServer({ noDelay: true, allowHalfOpen }, (s) => {
      const p = new Peer(s);
      if (echo) s.on('data', (d: Buffer) => s.write(d));
      this.peers.push(p);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  stop(): Promise<void> {
    for (const p of this.peers) p.socket.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Tracks what a test creates; run() in afterEach closes it all. */
export class Cleanup {
  private fns: Array<() => unknown> = [];

  add(fn: () => unknown): void {
    this.fns.push(fn);
  }

  async server(echo: boolean, allowHalfOpen = false): Promise<TestServer> {
    const s = new TestServer(echo, allowHalfOpen);
    await s.start();
    this.add(() => s.stop());
    return s;
  }

  async proxy(target: number, opts: Partial<LinkProxyOptions> = {}): Promise<LinkProxy> {
    const p = new LinkProxy({ name: 'p', target: { host: '127.0.0.1', port: target }, ...opts });
    await p.start();
    this.add(() => p.stop());
    return p;
  }

  async client(port: number): Promise<Peer> {
    const c = await Peer.connect(port);
    this.add(() => c.socket.destroy());
    return c;
  }

  /**
   * Connect to a proxy that refuses connections; resolves with what the refusal looked like:
   * an error code ('ECONNRESET': the RST may beat 'connect'), or 'FIN' for a clean close.
   */
  async refusal(port: number): Promise<string | undefined> {
    return Peer.connect(port).then(
      async (p) => {
        this.add(() => p.socket.destroy());
        await waitFor(() => p.closedAt !== undefined, 2000, 'the refusal');
        return p.error?.code ?? 'FIN';
      },
      (err: NodeJS.ErrnoException) => err.code,
    );
  }

  async run(): Promise<void> {
    const fns = this.fns.reverse();
    this.fns = [];
    for (const f of fns) await f();
  }
}

/** The `index`-th connection `srv` accepted, once it has. */
export function accepted(srv: TestServer, index: number): Promise<Peer> {
  return waitFor(() => srv.peers[index], 3000, `server connection #${index + 1}`);
}

/** Percentile (0..100) of a list of numbers. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** A buffer of `n` bytes whose content is a running counter (so order errors show). */
export function pattern(n: number, start = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (start + i) * 31 % 251;
  return b;
}

/**
 * How long this thread has waited for a CPU (ms, since it started): Linux's
 * /proc/thread-self/schedstat, second field. A timer can be late by no more than the thread
 * was kept from running, so a series of timers whose lateness windows do not overlap can be
 * late, in total, by the host's doing, at most the growth of this over the series. undefined
 * where the kernel does not say (not Linux): a bound that needs it is then judged as on a quiet host.
 */
export function cpuWaitMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/);
    const ns = Number(fields[1]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
