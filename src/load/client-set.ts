// The load clients of one generator thread: raw sockets to the servers (no ClientCore: the
// generator reads and writes frames itself), registered, and ready once every sender has
// learned each of its receivers (then every server on the path knows the route).
import type net from 'node:net';
import { dial } from '../net/dial.ts';
import { type DecodedMessage, FrameDecoder, MessageType, encode } from '../protocol/index.ts';
import { nowMs } from '../util/clock.ts';

export interface LoadClientSpec {
  id: number;
  name: string;
  port: number;
}

export interface LoadClient {
  spec: LoadClientSpec;
  socket: net.Socket;
  /** client ids this client has been told about */
  known: Set<number>;
  open: boolean;
}

/** `arrivedAt`: nowMs() when the chunk holding `m` was read, taken before decoding it. */
export type FrameHandler = (client: LoadClient, m: DecodedMessage, arrivedAt: number) => void;

/** Connect and register every client; each frame received afterwards goes to `onFrame`. */
export async function connectClients(specs: readonly LoadClientSpec[], onFrame: FrameHandler, timeoutMs: number): Promise<LoadClient[]> {
  return Promise.all(specs.map(async (spec) => {
    const socket = await dial('127.0.0.1', spec.port);
    const client: LoadClient = { spec, socket, known: new Set(), open: true };
    const decoder = new FrameDecoder();
    let welcomed!: () => void;
    let refused!: (e: Error) => void;
    const registered = new Promise<void>((res, rej) => {
      welcomed = res;
      refused = rej;
    });
    socket.on('data', (chunk: Buffer) => {
      const arrivedAt = nowMs();
      const { messages, error } = decoder.feed(chunk);
      if (error) socket.destroy(new Error(`load client ${spec.name}: bad frame from server: ${error.message}`));
      for (const m of messages) {
        if (m.type === MessageType.ClientRegistration) client.known.add(m.sourceId);
        else if (m.type === MessageType.ClientQuit) client.known.delete(m.sourceId);
        else if (m.type === MessageType.Status && m.statusCode === 0) welcomed();
        else if (m.type === MessageType.Status && m.statusCode === 2) refused(new Error(`load client ${spec.name}: id ${spec.id} refused: ${m.content}`));
        onFrame(client, m, arrivedAt);
      }
    });
    socket.on('error', () => {}); // seen as 'close'
    socket.on('close', () => {
      client.open = false;
      refused(new Error(`load client ${spec.name}: connection to port ${spec.port} closed before it was welcomed`));
    });
    socket.write(encode({ type: MessageType.ClientRegistration, sourceId: spec.id, lastHopId: 0, name: spec.name, info: 'crc-sim load client' }));
    await withTimeout(registered, timeoutMs, `load client ${spec.name}: no welcome from the server on port ${spec.port} within ${timeoutMs} ms`);
    return client;
  }));
}

/** Resolve once every `from` client knows its `to`; the error names the first pair still missing. */
export async function routesReady(pairs: ReadonlyArray<{ from: LoadClient; to: number }>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const missing = pairs.find((p) => !p.from.known.has(p.to));
    if (!missing) return;
    if (performance.now() > deadline) throw new Error(`load client ${missing.from.spec.name} did not learn client ${missing.to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Quit politely so the servers forget the clients; resolves when every socket closed. */
export async function closeClients(clients: readonly LoadClient[]): Promise<void> {
  await Promise.all(clients.map((c) => new Promise<void>((resolve) => {
    if (c.socket.closed) return resolve();
    c.socket.once('close', () => resolve());
    c.socket.end(encode({ type: MessageType.ClientQuit, sourceId: c.spec.id, content: '' }));
    setTimeout(() => c.socket.destroy(), 2000).unref();
  })));
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
