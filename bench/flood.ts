// The machine's floor for a quit's convergence: the same tree of threads as a simulation with
// one server per worker (each server a worker, every client in one more worker, joined by
// loopback TCP as the topology says), flooding one byte from a client to every node with no
// CRC code at all. Each node forwards the byte to all its other sockets, one write each, as
// a server relays a quit. What this takes is thread wake-ups and scheduling on this machine;
// what a real quit takes beyond it is ours.
import net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../src/topology/schema.ts';
import { type Percentiles, samplePercentiles } from './phases/common.ts';
import { threadCpuNs } from '../src/faults/proxy-table.ts';

type ToNode =
  | { do: 'listen' }
  | { do: 'dial'; ports: number[] }
  | { do: 'send'; via: number; round: number }
  | { do: 'stamps'; round: number }
  | { do: 'cpu' }
  | { do: 'stop' };

/** A node: forwards each round's byte once to every other socket and stamps when it first saw it (per socket, for the clients' worker). */
function node(): void {
  const { clients } = workerData as { clients: boolean };
  const sockets: net.Socket[] = [];
  /** per round: [socket index, when] (a server keeps its first only) */
  const stamps = new Map<number, Array<[number, number]>>();
  const attach = (s: net.Socket) => {
    s.setNoDelay(true);
    const index = sockets.push(s) - 1;
    s.on('error', () => {});
    s.on('data', (b: Buffer) => {
      const t = performance.timeOrigin + performance.now();
      for (const round of b) {
        let seen = stamps.get(round);
        if (!seen) stamps.set(round, (seen = []));
        if (clients) {
          seen.push([index, t]); // every client socket counts: each is a client forgetting
          continue;
        }
        if (seen.length > 0) continue;
        seen.push([index, t]);
        const one = Buffer.from([round]);
        for (const o of sockets) if (o !== s) o.write(one);
      }
    });
  };
  const server = net.createServer({ noDelay: true }, attach);
  parentPort!.on('message', async (m: ToNode) => {
    if (m.do === 'listen') server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as net.AddressInfo).port));
    else if (m.do === 'dial') {
      for (const port of m.ports) {
        const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
        await new Promise<void>((r) => s.once('connect', r));
        attach(s);
      }
      parentPort!.postMessage('dialled');
    } else if (m.do === 'send') {
      // Stamped just before the write, as a client stamps its quit: a stamp taken after it can
      // postdate the first reads (this thread preempted in between: seen 2.4 ms on a loaded machine).
      const at = performance.timeOrigin + performance.now();
      sockets[m.via]!.write(Buffer.from([m.round]));
      parentPort!.postMessage(at);
    } else if (m.do === 'cpu') {
      parentPort!.postMessage(threadCpuNs());
    } else if (m.do === 'stamps') {
      parentPort!.postMessage(stamps.get(m.round) ?? []);
    } else {
      server.close();
      for (const s of sockets) s.destroy();
      process.exit(0);
    }
  });
}

function ask<T>(w: Worker, m: ToNode): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    w.once('message', (v: T) => {
      w.off('error', onError);
      resolve(v);
    });
    w.once('error', onError);
    w.postMessage(m);
  });
}

/** One round of a flood: from the send, when each node first saw it (ms; servers by id, clients by id). */
export interface FloodRound {
  totalMs: number;
  /** node id -> ms after the send */
  stamps: Map<number, number>;
}

/**
 * The flood's tree of threads, kept up between rounds so that rounds can be interleaved with
 * something else measured in the same process (bench/quit-timeline.ts). At most 255 rounds.
 */
export class FloodTree {
  private round = 0;
  private constructor(
    private readonly t: Topology,
    private readonly servers: Map<number, Worker>,
    private readonly clients: Worker,
    private readonly via: number,
  ) {}

  static async start(t: Topology, from: number): Promise<FloodTree> {
    const via = t.clients.findIndex((c) => c.id === from);
    if (via < 0) throw new Error(`no client ${from} in ${t.name}`);
    const url = fileURLToPath(import.meta.url);
    const servers = new Map(t.servers.map((s) => [s.id, new Worker(url, { workerData: { clients: false } })]));
    const clients = new Worker(url, { workerData: { clients: true } });
    const tree = new FloodTree(t, servers, clients, via);
    try {
      const ports = new Map<number, number>();
      for (const [id, w] of servers) ports.set(id, await ask<number>(w, { do: 'listen' }));
      await ask(clients, { do: 'listen' });
      for (const s of t.servers) if (s.join !== undefined) await ask(servers.get(s.id)!, { do: 'dial', ports: [ports.get(s.join)!] });
      await ask(clients, { do: 'dial', ports: t.clients.map((c) => ports.get(c.server)!) });
    } catch (err) {
      tree.stop();
      throw err;
    }
    return tree;
  }

  /** One byte from the client's socket to every node; resolves once every node has it. */
  async flood(): Promise<FloodRound> {
    return this.collect(await this.send());
  }

  /** Start a round; resolves with its send time. Then collect() it: nothing is asked of the threads in between. */
  send(): Promise<number> {
    if (this.round >= 255) throw new RangeError('FloodTree: at most 255 rounds (a round is one byte)');
    return ask<number>(this.clients, { do: 'send', via: this.via, round: ++this.round });
  }

  /** The round sent at `sentAt` (the last one), once every node has it. */
  async collect(sentAt: number): Promise<FloodRound> {
    const round = this.round;
    // The sender's own server echoes nothing back to it: one stamp per server and per other client.
    const expected = this.t.servers.length + this.t.clients.length - 1;
    const giveUpAt = Date.now() + 5000;
    const stamps = new Map<number, number>();
    while (stamps.size < expected) {
      if (Date.now() > giveUpAt) throw new Error(`flood round ${round}: ${stamps.size} of ${expected} stamps after 5 s`);
      await new Promise((res) => setTimeout(res, 20));
      stamps.clear();
      for (const [id, w] of this.servers) for (const [, t] of await ask<Array<[number, number]>>(w, { do: 'stamps', round })) stamps.set(id, t - sentAt);
      const perSocket = await ask<Array<[number, number]>>(this.clients, { do: 'stamps', round });
      for (const [socket, t] of perSocket) stamps.set(this.t.clients[socket]!.id, t - sentAt);
    }
    return { totalMs: Math.max(...stamps.values()), stamps };
  }

  /** Each thread's CPU time so far (ns): servers by id, the clients' worker as 0. */
  async cpuNs(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const [id, w] of this.servers) out.set(id, await ask<number>(w, { do: 'cpu' }));
    out.set(0, await ask<number>(this.clients, { do: 'cpu' }));
    return out;
  }

  stop(): void {
    for (const w of [...this.servers.values(), this.clients]) w.postMessage({ do: 'stop' } satisfies ToNode);
  }
}

/**
 * Flood `repeats` rounds from client `from`'s socket; each round's time is from the send to
 * the last stamp anywhere (every server and every client socket), in ms.
 */
export async function floodTree(t: Topology, from: number, repeats: number): Promise<Percentiles> {
  if (repeats > 255) throw new RangeError(`floodTree: at most 255 rounds (a round is one byte), got ${repeats}`);
  const tree = await FloodTree.start(t, from);
  try {
    const samples: number[] = [];
    for (let round = 1; round <= repeats; round++) {
      await new Promise((res) => setTimeout(res, 20)); // everyone asleep again
      samples.push((await tree.flood()).totalMs);
    }
    return samplePercentiles(samples);
  } finally {
    tree.stop();
  }
}

if (!isMainThread) node();
