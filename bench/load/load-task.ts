// A piscina task: one sender/receiver pair pushing chats through a network, pipelined with a
// window of messages in flight. Sender and receiver live in the same thread, so one clock
// stamps both the send and the delivery: one-way latency needs no cross-thread clock sync.
//
// Each chat's content starts with 16 ASCII hex digits: 8 for the sequence number, 8 for the
// send time in µs (mod 2^32), then padding to the requested size. The receiver checks the
// sequence for loss, duplication and reordering.
import net from 'node:net';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { dial } from '../../src/net/dial.ts';
import { FrameDecoder, MessageType, encode } from '../../src/protocol/index.ts';
import { readHex8, writeHex8 } from '../../src/load/stamp.ts';
import { defaultScheduler } from '../../src/faults/scheduler.ts';

export interface LoadTask {
  /** 'crc': register both clients and wait until the route exists; 'raw': a relay chain that needs no registration */
  mode: 'crc' | 'raw';
  senderPort: number;
  receiverPort: number;
  senderId: number;
  receiverId: number;
  window: number;
  /** chat content bytes (at least 16) */
  size: number;
  /** stop after this many messages… */
  count?: number;
  /** …or after this long (ms) */
  durationMs?: number;
  /**
   * with window 1: a rate cap. Chat k is sent at start + k * paceMs, or when chat k-1 comes
   * back if that is later: at a low rate the sender sleeps between chats as an open-loop flow
   * at 1/paceMs does. Timed on the precise scheduler (setTimeout's ms grain would lower the
   * rate), as the open-loop generator is.
   */
  paceMs?: number;
  /** give up waiting for the route / the tail of the messages after this long */
  timeoutMs?: number;
}

export interface LoadResult {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  bytes: number;
  /** first send to last delivery, ms */
  elapsedMs: number;
  /** one-way latency, µs */
  latency: RecordableHistogram;
  error?: string;
}

const nowUs = () => Math.round(performance.now() * 1000);

const connect = (port: number): Promise<net.Socket> => dial('127.0.0.1', port);

export default async function run(task: LoadTask): Promise<LoadResult> {
  const size = Math.max(16, task.size);
  const timeoutMs = task.timeoutMs ?? 10_000;
  const latency = createHistogram();
  const result: LoadResult = { sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, bytes: 0, elapsedMs: 0, latency };
  const receiver = await connect(task.receiverPort);
  const sender = await connect(task.senderPort);
  const rdec = new FrameDecoder();
  const sdec = new FrameDecoder();

  let done!: () => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => {
    done = res;
    fail = rej;
  });
  const onError = (who: string) => (err: Error) => fail(new Error(`${who}: ${err.message}`));
  receiver.on('error', onError('receiver'));
  sender.on('error', onError('sender'));
  receiver.on('close', () => fail(new Error('receiver connection closed by the network')));

  // Route set-up: in CRC mode the sender must know the receiver, which means every server
  // between them does (the registration crossed them all first).
  let routeReady: Promise<void>;
  if (task.mode === 'crc') {
    receiver.write(encode({ type: MessageType.ClientRegistration, sourceId: task.receiverId, lastHopId: 0, name: `load${task.receiverId}`, info: 'load receiver' }));
    routeReady = new Promise<void>((resolve) => {
      sender.on('data', (chunk: Buffer) => {
        const { messages, error } = sdec.feed(chunk);
        if (error) fail(new Error(`sender got a bad frame: ${error.message}`));
        for (const m of messages) if (m.type === MessageType.ClientRegistration && m.sourceId === task.receiverId) resolve();
      });
    });
    // Register the sender only once the receiver is registered at its server.
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        const { messages } = rdec.feed(chunk);
        if (messages.some((m) => m.type === MessageType.Status)) {
          receiver.off('data', onData);
          resolve();
        }
      };
      receiver.on('data', onData);
    });
    sender.write(encode({ type: MessageType.ClientRegistration, sourceId: task.senderId, lastHopId: 0, name: `load${task.senderId}`, info: 'load sender' }));
  } else {
    receiver.write(Buffer.from('R')); // tells the tail relay which connection is the receiver
    routeReady = new Promise((r) => setTimeout(r, 20));
  }
  const routeTimer = setTimeout(() => fail(new Error(`route from ${task.senderId} to ${task.receiverId} not ready within ${timeoutMs} ms`)), timeoutMs);
  await Promise.race([routeReady, finished]);
  clearTimeout(routeTimer);

  // One template frame; each message copies it and patches the sequence and time.
  const template = encode({ type: MessageType.ClientChat, sourceId: task.senderId, destinationId: task.receiverId, content: 'x'.repeat(size) });
  const frameLen = template.length;
  const contentAt = 13;
  const limit = task.count ?? Number.POSITIVE_INFINITY;
  const deadline = task.durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + task.durationMs;
  let inFlight = 0;
  let seq = 0;
  let expected = 0;
  const seen = new Uint8Array(task.count ?? 1 << 24);
  let firstSend = 0;
  let lastDelivery = 0;
  let stopped = false;

  const pump = () => {
    if (stopped) return;
    const n = Math.min(task.window - inFlight, limit - seq);
    if (n <= 0) return;
    if (performance.now() >= deadline) {
      stopped = true;
      if (inFlight === 0) done();
      return;
    }
    const batch = Buffer.allocUnsafe(n * frameLen);
    const t = nowUs() >>> 0;
    for (let i = 0; i < n; i++) {
      const at = i * frameLen;
      template.copy(batch, at);
      writeHex8(batch, at + contentAt, seq++);
      writeHex8(batch, at + contentAt + 8, t);
    }
    if (firstSend === 0) firstSend = performance.now();
    inFlight += n;
    result.sent += n;
    sender.write(batch);
  };

  receiver.on('data', (chunk: Buffer) => {
    const { messages, error } = rdec.feed(chunk);
    if (error) return fail(new Error(`receiver got a bad frame: ${error.message}`));
    const now = nowUs() >>> 0;
    for (const m of messages) {
      if (m.type !== MessageType.ClientChat) continue;
      const raw = m.raw;
      const s = readHex8(raw, contentAt);
      const t = readHex8(raw, contentAt + 8);
      latency.record(Math.max(1, (now - t) >>> 0));
      if (s < seen.length && seen[s]) result.duplicated++;
      else {
        if (s < seen.length) seen[s] = 1;
        result.delivered++;
        result.bytes += raw.length;
        inFlight--;
      }
      if (s !== expected) result.reordered++;
      expected = s + 1;
    }
    lastDelivery = performance.now();
    if (result.delivered >= limit || (stopped && inFlight === 0)) done();
    else if (task.paceMs) defaultScheduler.at(pacedStart + seq * task.paceMs, pump);
    else pump();
  });

  const pacedStart = defaultScheduler.now();
  pump();
  const tailTimer = setInterval(() => {
    // Nothing delivered for timeoutMs: what is still in flight is lost.
    if (performance.now() - Math.max(lastDelivery, firstSend) > timeoutMs) fail(new Error(`no delivery for ${timeoutMs} ms with ${inFlight} in flight`));
  }, 250);
  try {
    await finished;
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    clearInterval(tailTimer);
  }
  result.lost = result.sent - result.delivered;
  result.elapsedMs = lastDelivery - firstSend;
  // Leave politely so the servers forget the pair before the next run reuses the ids.
  if (task.mode === 'crc') {
    sender.end(encode({ type: MessageType.ClientQuit, sourceId: task.senderId, content: '' }));
    receiver.end(encode({ type: MessageType.ClientQuit, sourceId: task.receiverId, content: '' }));
  } else {
    sender.end();
    receiver.end();
  }
  receiver.removeAllListeners('close');
  await Promise.all([sender, receiver].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))));
  return result;
}
