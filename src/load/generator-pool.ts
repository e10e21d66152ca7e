// The coordinator's side of the load generators: one long-lived Worker each (piscina is for
// short tasks), apart from the servers' threads. Flows are dealt round robin; each generator
// has one load client on every server its flows touch, so a flow's two ends share a thread.
import { Worker } from 'node:worker_threads';
import { builtWorkerUrl } from '../threads/worker-handle.ts';
import type { Simulation } from '../coordinator/simulation.ts';
import type { LoadClientSpec } from './client-set.ts';
import type { GeneratorCommand, GeneratorData, GeneratorMessage, RunReport, SecondReport } from './generator-api.ts';
import type { FlowSpec } from './patterns.ts';
import type { Step } from './schedule.ts';

/** Load clients' ids: far above any id a topology generator hands out. */
export const LOAD_ID_BASE = 4_000_000_000;
const IDS_PER_GENERATOR = 1_000_000;

export interface PoolOptions {
  /** generator threads (each with its own client on every server its flows touch) */
  generators: number;
  size: number;
  timeoutMs: number;
}

interface Member {
  worker: Worker;
  flows: number[];
  listeners: Set<(m: GeneratorMessage) => void>;
  failed?: Error;
}

export class GeneratorPool {
  private constructor(private readonly members: Member[]) {}

  static async start(sim: Simulation, flows: readonly FlowSpec[], o: PoolOptions): Promise<GeneratorPool> {
    const index = new Map(sim.topology.servers.map((s, i) => [s.id, i]));
    const clash = sim.topology.clients.find((c) => c.id >= LOAD_ID_BASE) ?? sim.topology.servers.find((s) => s.id >= LOAD_ID_BASE);
    if (clash) throw new Error(`the topology uses id ${clash.id}; load clients take ids from ${LOAD_ID_BASE} up`);
    const n = Math.min(o.generators, flows.length);
    const members: Member[] = [];
    try {
      for (let g = 0; g < n; g++) {
        const mine = flows.map((_, i) => i).filter((i) => i % n === g);
        const clientId = (server: number) => LOAD_ID_BASE + g * IDS_PER_GENERATOR + index.get(server)!;
        const servers = [...new Set(mine.flatMap((i) => [flows[i]!.from, flows[i]!.to]))];
        const clients: LoadClientSpec[] = servers.map((s) => ({ id: clientId(s), name: `load${g}-${sim.nameOf(s)}`, port: sim.port(s) }));
        const data: GeneratorData = {
          label: `load${g}`, clients, size: o.size, timeoutMs: o.timeoutMs,
          flows: mine.map((i) => ({ index: i, from: clientId(flows[i]!.from), to: clientId(flows[i]!.to) })),
        };
        members.push(spawn(data, mine));
      }
      await Promise.all(members.map((m) => once(m, (x) => x.type === 'ready')));
    } catch (err) {
      await Promise.all(members.map((m) => m.worker.terminate()));
      throw err;
    }
    return new GeneratorPool(members);
  }

  get size(): number {
    return this.members.length;
  }

  /**
   * One run of the schedule on every generator. Each builds the run's state first ('prepare',
   * answered 'armed'); only then is the start chosen, `t0 = startAt()` (wall ms), and sent
   * ('go'), so no set-up work falls between t0 and the first chats. Each second's reports
   * (one per generator) go to onSecond. Resolves with each generator's run report.
   */
  async run(o: { run: number; steps: Step[]; shares: number[]; phases: number[]; drainMs: number; startAt: () => number }, onSecond: (r: SecondReport, generator: number) => void): Promise<RunReport[]> {
    const listens = this.members.map((m) => {
      const listen = (x: GeneratorMessage) => {
        if (x.type === 'second' && x.run === o.run) onSecond(x.report, this.members.indexOf(m));
      };
      m.listeners.add(listen);
      return listen;
    });
    try {
      await Promise.all(this.members.map((m) => {
        const armed = once(m, (x) => x.type === 'armed' && x.run === o.run);
        const cmd: GeneratorCommand = { type: 'prepare', run: o.run, steps: o.steps, drainMs: o.drainMs, shares: m.flows.map((i) => o.shares[i]!), phases: m.flows.map((i) => o.phases[i]!) };
        m.worker.postMessage(cmd);
        return armed;
      }));
      const t0 = o.startAt();
      return await Promise.all(this.members.map(async (m) => {
        const done = once(m, (x) => x.type === 'done' && x.report.run === o.run);
        m.worker.postMessage({ type: 'go', run: o.run, t0 } satisfies GeneratorCommand);
        return ((await done) as Extract<GeneratorMessage, { type: 'done' }>).report;
      }));
    } finally {
      this.members.forEach((m, g) => m.listeners.delete(listens[g]!));
    }
  }

  /** Ctrl-C: every generator ends its schedule now and drains. */
  cut(): void {
    for (const m of this.members) if (!m.failed) m.worker.postMessage({ type: 'cut' } satisfies GeneratorCommand);
  }

  /** Quit the load clients and end the threads. */
  async close(): Promise<void> {
    await Promise.all(this.members.map(async (m) => {
      if (!m.failed) {
        m.worker.postMessage({ type: 'close' } satisfies GeneratorCommand);
        await Promise.race([once(m, (x) => x.type === 'closed').catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
      }
      await m.worker.terminate();
    }));
  }
}

function spawn(data: GeneratorData, flows: number[]): Member {
  const worker = new Worker(builtWorkerUrl('load-gen'), { workerData: data });
  const m: Member = { worker, flows, listeners: new Set() };
  worker.on('message', (x: GeneratorMessage) => {
    if (x.type === 'error') m.failed = new Error(`${data.label}: ${x.message}`);
    for (const l of [...m.listeners]) l(x);
  });
  worker.on('error', (err) => {
    m.failed = new Error(`${data.label} crashed: ${err.message}`);
    for (const l of [...m.listeners]) l({ type: 'error', message: err.message });
  });
  worker.on('exit', (code) => {
    if (!m.failed) m.failed = new Error(`${data.label} exited with code ${code}`);
    for (const l of [...m.listeners]) l({ type: 'error', message: m.failed.message });
  });
  return m;
}

/** The next message from m matching `want`; rejects on the generator's error. */
function once(m: Member, want: (x: GeneratorMessage) => boolean): Promise<GeneratorMessage> {
  if (m.failed) return Promise.reject(m.failed);
  return new Promise((resolve, reject) => {
    const l = (x: GeneratorMessage) => {
      if (x.type === 'error') {
        m.listeners.delete(l);
        reject(m.failed ?? new Error(x.message));
      } else if (want(x)) {
        m.listeners.delete(l);
        resolve(x);
      }
    };
    m.listeners.add(l);
  });
}
