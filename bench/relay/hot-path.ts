// The server's chat hot path alone, in each of a chat's three roles, with no sockets and no
// other thread: a CrcServerNode whose connections are fake sockets is fed one read of `window`
// chats at a time, and the time it takes to handle that read (decode, route, queue; the write
// itself is a fake's) is what a message costs a server on top of the raw relay, which only
// forwards the read. The minimum and low percentiles over many short reads are robust on a
// loaded machine, where whole-run CPU per message varies by 2-3x.
//   node dist/bench/relay/hot-path.js [--window 256] [--size 64] [--reads 3000] [--trace] [--roles first,middle,last]
// Roles: 'first' (the chat comes from a client: its text is checked), 'middle' (server link to
// server link), 'last' (server link to the destination client: its text is checked).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { intFlag, parseFlags, runMain, UsageError } from '../../src/cli/args.ts';
import { CrcServerNode } from '../../src/net/server-node.ts';
import { type Message, MessageType, encode } from '../../src/protocol/index.ts';

const USAGE = 'usage: node dist/bench/relay/hot-path.js [--window W] [--size B] [--reads N] [--trace] [--roles first,middle,last]\n';

/** Enough of a net.Socket for FramedConnection: writes are counted and dropped. */
class FakeSocket extends EventEmitter {
  written = 0;
  writes = 0;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 1;
  readonly writableLength = 0;
  readonly writable = true;
  destroyed = false;
  closed = false;
  setNoDelay(): this {
    return this;
  }
  write(buf: Buffer): boolean {
    this.written += buf.length;
    this.writes++;
    return true;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    queueMicrotask(() => {
      this.closed = true;
      this.emit('close');
    });
    return this;
  }
  resetAndDestroy(): this {
    return this.destroy();
  }
}

const SELF = 1;
const UP = 2; // the upstream server (first role: none, the sender is local)
const DOWN = 3; // the downstream server (last role: none, the receiver is local)
const SENDER = 1000;
const RECEIVER = 2000;

type Role = 'first' | 'middle' | 'last';

interface Setup {
  node: CrcServerNode;
  input: FakeSocket;
  output: FakeSocket;
}

function feed(s: FakeSocket, ...msgs: Message[]): void {
  s.emit('data', Buffer.concat(msgs.map((m) => encode(m))));
}

async function setup(role: Role, trace: boolean): Promise<Setup> {
  const node = new CrcServerNode({ id: SELF, name: 'hot', info: 'hot path bench', traceFrames: trace, onEvent: () => {} });
  const attach = (s: FakeSocket) => (node as unknown as { attach(s: Socket, outbound: boolean): number }).attach(s as unknown as Socket, false);
  const input = new FakeSocket();
  const output = new FakeSocket();
  attach(input);
  attach(output);
  if (role === 'first') feed(input, { type: MessageType.ClientRegistration, sourceId: SENDER, lastHopId: 0, name: 'sender', info: '' });
  else {
    feed(input, { type: MessageType.ServerRegistration, sourceId: UP, lastHopId: 0, name: 'up', info: '' },
      { type: MessageType.ClientRegistration, sourceId: SENDER, lastHopId: UP, name: 'sender', info: '' });
  }
  if (role === 'last') feed(output, { type: MessageType.ClientRegistration, sourceId: RECEIVER, lastHopId: 0, name: 'receiver', info: '' });
  else {
    feed(output, { type: MessageType.ServerRegistration, sourceId: DOWN, lastHopId: 0, name: 'down', info: '' },
      { type: MessageType.ClientRegistration, sourceId: RECEIVER, lastHopId: DOWN, name: 'receiver', info: '' });
  }
  await nextTurn();
  if (node.core.hostCount < (role === "middle" ? 4 : 3)) throw new Error(`${role}: the server did not learn the pair`);
  return { node, input, output };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    window: { type: 'string' }, size: { type: 'string' }, reads: { type: 'string' }, trace: { type: 'boolean' }, roles: { type: 'string' },
  });
  const window = intFlag(values, 'window', 1, 100_000, 256);
  const size = intFlag(values, 'size', 0, 65_536, 64);
  const reads = intFlag(values, 'reads', 10, 1_000_000, 3000);
  const trace = values.trace ?? false;
  const roles = (values.roles ?? 'first,middle,last').split(',') as Role[];
  for (const r of roles) if (!['first', 'middle', 'last'].includes(r)) throw new UsageError(`--roles: unknown role '${r}' (first, middle, last)`);
  const frame = encode({ type: MessageType.ClientChat, sourceId: SENDER, destinationId: RECEIVER, content: 'x'.repeat(size) });
  const read = Buffer.concat(Array.from({ length: window }, () => frame));
  for (const role of roles) {
    const { node, input, output } = await setup(role, trace);
    const before = output.written;
    const ns: number[] = [];
    for (let i = 0; i < reads; i++) {
      const t0 = process.hrtime.bigint();
      input.emit('data', read);
      const t1 = process.hrtime.bigint();
      await nextTurn(); // the turn's writes leave
      ns.push(Number(t1 - t0) / window);
    }
    const forwarded = (output.written - before) / frame.length;
    if (forwarded !== reads * window) throw new Error(`${role}: forwarded ${forwarded} of ${reads * window} chats`);
    ns.sort((a, b) => a - b);
    process.stdout.write(JSON.stringify({
      role, window, size, reads, trace, writesPerRead: +(output.writes / reads).toFixed(2),
      nsPerChat: { min: +ns[0]!.toFixed(1), p10: +percentile(ns, 10).toFixed(1), p50: +percentile(ns, 50).toFixed(1) },
    }) + '\n');
    await node.stop();
  }
});
