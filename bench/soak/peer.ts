// Raw CRC sockets for the soak's hostile peers: dial, frames by hand, and when it closed.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { MessageType, encode } from '../../src/protocol/index.ts';

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
