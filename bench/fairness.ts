// Fairness under back-pressure: how long a fresh pair of clients takes to register and chat on
// a server where N clients read nothing, each fed 60 KB chats by an accomplice until its queue
// is past high water for good. One server in this thread, real sockets on loopback. Usage:
//   node dist/bench/fairness.js [--stallers 1,24,200] [--high-water BYTES] [--sendq-timeout-ms MS] [--bound-ms MS]
// Each staller costs about 4 MiB of kernel buffers on loopback plus the high water.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { CrcClientNode } from '../src/net/client-node.ts';
import { CrcServerNode } from '../src/net/server-node.ts';
import { MessageType, encode } from '../src/protocol/index.ts';

const USAGE = 'usage: node dist/bench/fairness.js [--stallers 1,24,200] [--high-water BYTES] [--sendq-timeout-ms MS] [--bound-ms MS]\n';
/** A staller not congested by then is reported, not waited for: its feeder is held (ms). */
const FILL_BOUND_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dialRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Until `s` drains, or 20 ms (a held feeder may never drain: look again then). */
function drainOr20ms(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      s.off('drain', done);
      resolve();
    };
    const timer = setTimeout(done, 20);
    s.once('drain', done);
  });
}

const registration = (id: number) => encode({ type: MessageType.ClientRegistration, sourceId: id, lastHopId: 0, name: `c${id}`, info: '' });

interface Staller { id: number; feeder: net.Socket; chat: Buffer }

/** Client `id` reading nothing and its feeder, client `id + 1_000_000`, both registered (all before any is filled, so no feeder is a newcomer to a congested queue). */
async function openStaller(node: CrcServerNode, id: number, sockets: net.Socket[]): Promise<Staller> {
  const s = await dialRaw(node.port);
  sockets.push(s);
  s.pause();
  s.write(registration(id));
  const f = await dialRaw(node.port);
  sockets.push(f);
  f.resume();
  f.write(registration(id + 1_000_000));
  while (!node.core.host(id) || !node.core.host(id + 1_000_000)) await sleep(5);
  return { id, feeder: f, chat: encode({ type: MessageType.ClientChat, sourceId: id + 1_000_000, destinationId: id, content: 'z'.repeat(60_000) }) };
}

/** Feed staller `id` until its queue stays past high water (bounded). */
async function fill(node: CrcServerNode, { id, feeder: f, chat }: Staller): Promise<void> {
  const conn = () => node.connectionTo(id);
  const giveUpAt = performance.now() + FILL_BOUND_MS;
  for (let round = 0; round < 400; round++) {
    while (conn()?.congestion === undefined) {
      if (performance.now() > giveUpAt) throw new Error(`client ${id} not congested after ${FILL_BOUND_MS} ms: its feeder is not being read`);
      if (f.writableLength < 4 * chat.length) f.write(chat);
      else await drainOr20ms(f);
    }
    const taken = conn()?.drainedBytes;
    await sleep(250);
    if (conn()?.congestion !== undefined && conn()?.drainedBytes === taken) return;
  }
  throw new Error(`client ${id}'s queue did not stay past high water`);
}

/** ms from the first dial until two fresh clients know each other and each has the other's chat; Infinity past the bound. */
async function newcomers(port: number, first: number, boundMs: number): Promise<number> {
  const t0 = performance.now();
  const a = new CrcClientNode({ id: first, name: 'a', info: '', serverPort: port });
  const b = new CrcClientNode({ id: first + 1, name: 'b', info: '', serverPort: port });
  try {
    await a.connect();
    await b.connect();
    let chatted = false;
    while (performance.now() - t0 < boundMs) {
      const sa = a.state();
      const sb = b.state();
      if (!chatted && sa.connectedUserIds.includes(b.id) && sb.connectedUserIds.includes(a.id)) {
        a.chat(b.id, 'hi b');
        b.chat(a.id, 'hi a');
        chatted = true;
      }
      if (sa.chatLog.includes('hi a') && sb.chatLog.includes('hi b')) return performance.now() - t0;
      await new Promise((r) => setImmediate(r));
    }
    return Infinity;
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), { stallers: { type: 'string' }, 'high-water': { type: 'string' }, 'sendq-timeout-ms': { type: 'string' }, 'bound-ms': { type: 'string' } });
  const counts = (values.stallers ?? '1,24,200').split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0 || n > 2000) throw new Error(`--stallers: each count must be an integer from 0 to 2000, got '${x}'`);
    return n;
  });
  const highWater = intFlag(values, 'high-water', 1024, 64 * 2 ** 20, 1024 * 1024);
  const sendqTimeoutMs = intFlag(values, 'sendq-timeout-ms', 100, 600_000, 10_000);
  const boundMs = intFlag(values, 'bound-ms', 100, 600_000, 20_000);
  for (const n of counts) {
    const node = new CrcServerNode({ id: 1, name: 's1', info: '', port: 0, sendQueueHighWater: highWater, sendqTimeoutMs });
    await node.start();
    const sockets: net.Socket[] = [];
    try {
      const f0 = performance.now();
      const stallers: Staller[] = [];
      for (let i = 0; i < n; i++) stallers.push(await openStaller(node, 10_000 + i, sockets));
      for (let i = 0; i < n; i += 25) await Promise.all(stallers.slice(i, i + 25).map((st) => fill(node, st)));
      const fillS = (performance.now() - f0) / 1000;
      const ms = await newcomers(node.port, 900_000, boundMs);
      const still = Array.from({ length: n }, (_, i) => node.connectionTo(10_000 + i)?.congestion !== undefined).filter(Boolean).length;
      console.log(`${n} non-readers (high water ${highWater} B, SendQ timeout ${sendqTimeoutMs} ms; filled in ${fillS.toFixed(1)} s): `
        + `newcomer pair registered and chatted in ${Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : `more than ${boundMs} ms (gave up)`}; `
        + `${still} of ${n} still congested, ${node.guard.counters.sendqStalled} cut for SendQ`);
    } finally {
      for (const s of sockets) s.destroy();
      await node.stop();
    }
  }
});
