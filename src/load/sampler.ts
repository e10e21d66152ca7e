// Once a second, what each server and each server thread is doing: bytes queued on its
// sockets, reads paused by back-pressure, chats in, and the CPU each worker thread used
// (Linux: the thread's schedstat; NaN elsewhere and for other placements).
import type { Simulation } from '../coordinator/simulation.ts';

export interface ServerSample {
  id: number;
  /** bytes queued on its sockets, not yet written */
  pending: number;
  /** reads paused by back-pressure in the second (NaN: the server does not report it, e.g. a crc-server process) */
  readPauses: number;
  /** messages in during the second */
  msgsIn: number;
}

export interface ThreadSample {
  label: string;
  servers: number[];
  /** CPU share of one core in the second, 0..1 (NaN: not measurable) */
  cpu: number;
}

export interface ResourceSample {
  servers: ServerSample[];
  threads: ThreadSample[];
}

export class ResourceSampler {
  private last = new Map<string, { cpuNs: number; at: number; msgsIn: number; pauses: number }>();
  private readonly idOf: Map<string, number>;

  constructor(private readonly sim: Simulation) {
    this.idOf = new Map(sim.topology.servers.map((s) => [s.name, s.id]));
  }

  async sample(): Promise<ResourceSample> {
    const at = performance.now();
    const servers = await Promise.all(this.sim.live().servers.map(async (id): Promise<ServerSample | undefined> => {
      const c = await this.sim.counters(id).catch(() => undefined);
      if (!c) return undefined;
      const pauses = c.flow?.readPauses ?? 0;
      const prev = this.last.get(`s${id}`);
      this.last.set(`s${id}`, { cpuNs: 0, at, msgsIn: c.msgsIn, pauses });
      return { id, pending: c.pending, readPauses: !c.flow ? NaN : prev ? pauses - prev.pauses : 0, msgsIn: prev ? c.msgsIn - prev.msgsIn : 0 };
    }));
    const workers = this.sim.workers.filter((w) => w.kind === 'servers' && w.alive);
    const threads = await Promise.all(workers.map(async (w): Promise<ThreadSample> => {
      const ns = await w.call('thread cpu', (api) => api.threadCpuNs(), 2000).catch(() => NaN);
      const prev = this.last.get(`t${w.label}`);
      this.last.set(`t${w.label}`, { cpuNs: ns, at, msgsIn: 0, pauses: 0 });
      const cpu = prev ? (ns - prev.cpuNs) / 1e6 / (at - prev.at) : NaN;
      return { label: w.label, servers: w.hosts.map((h) => this.idOf.get(h)).filter((x): x is number => x !== undefined), cpu };
    }));
    return { servers: servers.filter((s): s is ServerSample => s !== undefined), threads };
  }
}
