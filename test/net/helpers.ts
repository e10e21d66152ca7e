// Shared helpers for the real-socket tests (not a test file itself).
// Every listener uses port 0; every node/socket made through `Cleanup` is torn down in afterEach.
import net from 'node:net';
import { CrcClientNode, type ClientNodeOptions } from '../../src/net/client-node.ts';
import { CrcServerNode, type ServerNodeOptions } from '../../src/net/server-node.ts';
import { type DecodedMessage, FrameDecoder, type Message, encode } from '../../src/protocol/index.ts';

import { waitFor } from '../wait.ts';

export { type Truthy, waitFor } from '../wait.ts';

/** One turn of the event loop. */
export const tick = () => new Promise<void>((r) => setImmediate(r));

/** A free port: listen on 0, read it back, close. Nothing listens on it afterwards. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A bare TCP peer that speaks CRC bytes by hand and decodes what it receives. */
export class RawPeer {
  readonly decoder = new FrameDecoder();
  readonly messages: DecodedMessage[] = [];
  closed = false;
  error: Error | undefined;
  decodeError: Error | undefined;
  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true); // so one-byte writes really go out one by one
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = this.decoder.feed(chunk);
      this.messages.push(...messages);
      if (error) this.decodeError = error;
    });
    socket.on('error', (err) => { this.error = err; });
    socket.on('close', () => { this.closed = true; });
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RawPeer(s));
      });
    });
  }

  write(data: Buffer | Message): void {
    this.socket.write(Buffer.isBuffer(data) ? data : encode(data));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface LoggedServer {
  node: CrcServerNode;
  logs: string[];
}

/** Tracks everything a test creates so afterEach can close it all. */
export class Cleanup {
  private servers: CrcServerNode[] = [];
  private clients: CrcClientNode[] = [];
  private raws: RawPeer[] = [];
  private others: Array<() => unknown> = [];

  async server(opts: Partial<ServerNodeOptions> & { id: number }, start = true): Promise<LoggedServer> {
    const logs: string[] = [];
    const node = new CrcServerNode({
      name: `s${opts.id}`, info: `server ${opts.id}`, port: 0, joinDeadlineMs: 5000,
      ...opts,
      log: (l) => { logs.push(l); opts.log?.(l); },
    });
    this.servers.push(node);
    if (start) await node.start();
    return { node, logs };
  }

  async client(opts: Partial<ClientNodeOptions> & { id: number; serverPort: number }): Promise<CrcClientNode> {
    const c = new CrcClientNode({ name: `c${opts.id}`, info: `client ${opts.id}`, ...opts });
    this.clients.push(c);
    await c.connect();
    return c;
  }

  async raw(port: number): Promise<RawPeer> {
    const r = await RawPeer.connect(port);
    this.raws.push(r);
    return r;
  }

  add(fn: () => unknown): void {
    this.others.push(fn);
  }

  async run(): Promise<void> {
    for (const r of this.raws) r.destroy();
    for (const c of this.clients) c.state().connected && (await Promise.race([c.disconnect(), tickTimeout(1000)]));
    await Promise.all(this.servers.map((s) => Promise.race([s.stop(), tickTimeout(2000)])));
    for (const f of this.others) await f();
    this.raws = [];
    this.clients = [];
    this.servers = [];
    this.others = [];
  }
}

function tickTimeout(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Ids the server knows, sorted. */
export function hostIds(node: CrcServerNode): number[] {
  return node.state().hosts.map((h) => h.id).sort((a, b) => a - b);
}

export function sorted(xs: number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}
