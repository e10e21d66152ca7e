// Raw CRC sockets for hostile peers (the check and the soak): dial, frames by hand, and when it closed.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { MessageType, encode } from '../../protocol/index.ts';

export function dialRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => {}); // a reset by the server is an outcome, not a failure
      resolve(s);
    });
  });
}

/** performance.now() when the socket closes (at once if it has). */
export function closedAt(s: net.Socket): Promise<number> {
  return s.closed ? Promise.resolve(performance.now()) : new Promise((r) => s.once('close', () => r(performance.now())));
}

export const clientRegistration = (id: number, lastHopId = 0, info = '') =>
  encode({ type: MessageType.ClientRegistration, sourceId: id, lastHopId, name: `x${id}`, info });

export const serverRegistration = (id: number) =>
  encode({ type: MessageType.ServerRegistration, sourceId: id, lastHopId: 0, name: `x${id}`, info: '' });

/** A fixed header that promises `bodyBytes` more: a chat's 13 bytes, or a client registration's 12 (the body is its info). */
export function promisingHeader(kind: 'chat' | 'registration', sourceId: number, bodyBytes: number): Buffer {
  if (kind === 'chat') {
    const b = Buffer.alloc(13);
    b[0] = MessageType.ClientChat;
    b.writeUInt32BE(sourceId, 1);
    b.writeUInt32BE(101, 5);
    b.writeUInt32BE(bodyBytes, 9);
    return b;
  }
  const b = Buffer.alloc(12);
  b[0] = MessageType.ClientRegistration;
  b.writeUInt32BE(sourceId, 1);
  b.writeUInt16BE(bodyBytes, 10);
  return b;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write, and wait for 'drain' if the socket is full (or it closes, or `until` passes). */
export async function writeHonouringDrain(s: net.Socket, data: Buffer, until: number): Promise<void> {
  if (s.write(data) || s.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, Math.max(0, until - performance.now()));
    function done() {
      clearTimeout(timer);
      s.off('drain', done).off('close', done);
      resolve();
    }
    s.on('drain', done).on('close', done);
  });
}

export interface Poke {
  /** ms from the write to the server closing the connection; undefined: still open at the end */
  closedAfterMs: number | undefined;
  /** bytes the server sent back */
  answered: number;
}

/** One connection: write `frames` (each on its own, in order), wait up to `waitMs` for the server to close it, then close it. */
export async function poke(port: number, frames: Buffer[], waitMs: number): Promise<Poke> {
  const s = await dialRaw(port);
  let answered = 0;
  s.on('data', (c: Buffer) => { answered += c.length; });
  const started = performance.now();
  for (const f of frames) if (!s.destroyed) s.write(f);
  const timer = new Promise<undefined>((r) => setTimeout(r, waitMs, undefined));
  const closed = await Promise.race([closedAt(s), timer]);
  s.destroy();
  return { closedAfterMs: closed === undefined ? undefined : closed - started, answered };
}

/** A line for the notes: how many of `pokes` the server closed, and how fast. */
export function pokeSummary(what: string, pokes: Poke[]): string {
  const cut = pokes.filter((p) => p.closedAfterMs !== undefined).map((p) => p.closedAfterMs!);
  const slowest = cut.length ? `, within ${Math.max(...cut).toFixed(0)} ms` : '';
  return `${what}: ${cut.length} of ${pokes.length} closed by the server${slowest}`;
}
