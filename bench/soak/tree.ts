// The soak's network: middle-earth, one server per worker thread, each with a monitor. Joins
// follow the topology (each server dials the one it joins); ready once every server knows every
// other server. metrics(id) reads a server's /metrics as numbers.
import { Worker } from 'node:worker_threads';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import type { Topology } from '../../src/topology/schema.ts';
import type { SoakServerCommand, SoakServerReply, SoakServerSpec } from './server-worker.ts';

interface Hosted {
  worker: Worker;
  port: number;
  monitor: number;
}

/** Prometheus samples by name and labels, e.g. `crc_connections{peer="pending"}` (server_id dropped). */
export type Metrics = Map<string, number>;

export class SoakTree {
  private constructor(readonly topology: Topology, private readonly servers: Map<number, Hosted>) {}

  static async start(): Promise<SoakTree> {
    const topology = resolveTopology('middle-earth');
    const servers = new Map<number, Hosted>();
    const url = builtUrl('bench/soak/server-worker');
    for (const s of topology.servers) {
      const spec: SoakServerSpec = { id: s.id, name: s.name, info: s.info };
      const worker = new Worker(url, { workerData: spec });
      const up = await next(worker) as { port: number; monitor: number };
      servers.set(s.id, { worker, ...up });
    }
    const tree = new SoakTree(topology, servers);
    for (const s of topology.servers) {
      if (s.join === undefined) continue;
      const h = servers.get(s.id)!;
      const joined = next(h.worker);
      h.worker.postMessage({ join: servers.get(s.join)!.port } satisfies SoakServerCommand);
      await joined;
    }
    await tree.until(async () => {
      for (const id of servers.keys()) if ((await tree.metrics(id)).get('crc_known_hosts')! < servers.size - 1) return false;
      return true;
    }, 20_000, 'the tree to converge');
    return tree;
  }

  port(id: number): number {
    return this.servers.get(id)!.port;
  }

  async metrics(id: number): Promise<Metrics> {
    const text = await (await fetch(`http://127.0.0.1:${this.servers.get(id)!.monitor}/metrics`)).text();
    const out: Metrics = new Map();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      const key = line.slice(0, space).replace(/server_id="\d+",?/, '').replace('{}', '');
      out.set(key, Number(line.slice(space + 1)));
    }
    return out;
  }

  /** Heap and Buffer bytes of the thread running server `id`, and its longest event-loop stall since the last call. */
  async memory(id: number): Promise<{ memory: number; maxStallMs: number }> {
    const h = this.servers.get(id)!;
    const reply = next(h.worker);
    h.worker.postMessage({ memory: true } satisfies SoakServerCommand);
    return (await reply) as { memory: number; maxStallMs: number };
  }

  /** Stop every server; resolves with each one's log tail. */
  async stop(): Promise<Map<number, string[]>> {
    const logs = new Map<number, string[]>();
    await Promise.all([...this.servers].map(async ([id, h]) => {
      const done = next(h.worker);
      h.worker.postMessage({ stop: true } satisfies SoakServerCommand);
      logs.set(id, ((await done) as { logs: string[] }).logs);
      await h.worker.terminate();
    }));
    return logs;
  }

  private async until(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > deadline) throw new Error(`soak: timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function next(worker: Worker): Promise<SoakServerReply> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once('error', onError);
    worker.once('message', (m: SoakServerReply) => {
      worker.off('error', onError);
      resolve(m);
    });
  });
}
