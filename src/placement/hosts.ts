// The hosts placement: servers in worker threads spread over K node processes (host-main.ts,
// each the workers placement as is), so each process has its own descriptor table: a network
// too big for one process's `ulimit -n` (about 3 descriptors per server) runs on one machine.
// The coordinator talks to each process over one IPC channel (host-process.ts), not one per
// server; knowledge digests and events arrive per process, already batched by its threads.
// Threads go to the processes in turn (thread 1 to process 1, thread 2 to process 2, ...), so
// the processes share the servers evenly whatever their number; a link whose ends sit in two
// processes crosses them over TCP like any other. Link proxies run in the process of the
// server that dials the link (host-links.ts).
import type { ProxyEvent } from '../faults/events.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ByteTotals, HostedServerSpec, ServerCounters } from '../threads/worker-api.ts';
import { WorkerCrash } from '../threads/worker-handle.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import { HostLinks } from './host-links.ts';
import { HostProcess } from './host-process.ts';
import type { HostMemory } from './host-wire.ts';
import type { Address, LinkNetwork, PlacementHooks, ServerHost } from './types.ts';
import type { ProxyPlacement } from './worker-links.ts';

/** Node processes at most (each costs ~50 MiB before it hosts anything). */
export const MAX_HOST_PROCESSES = 64;

/** A call into a node process's thread, unless the hooks say otherwise (workers: 10 s). */
export const HOST_CALL_TIMEOUT_MS = 60_000;

export interface HostsOptions {
  /** Node processes (1..MAX_HOST_PROCESSES). */
  processes: number;
  serversPerWorker: number;
  proxyPlacement?: ProxyPlacement;
  /** Node flags for each process, e.g. ['--expose-gc']. */
  nodeArgs?: string[];
}

/** Checks the process count (from a flag or an option): the message names `what`. */
export function checkHostCount(n: number, what = 'hosts'): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOST_PROCESSES) throw new Error(`${what}: expected a whole number of node processes from 1 to ${MAX_HOST_PROCESSES}, got ${n}`);
  return n;
}

interface Placed {
  proc: HostProcess;
  thread: string;
  alive: boolean;
}

/** The thread being filled. */
interface Slot {
  proc: HostProcess;
  thread: string | undefined;
  count: number;
  /** the previous thread of its process has booted (its first start answered) */
  after: Promise<void>;
  /** this thread has booted */
  booted: Promise<void>;
  release: (first: Promise<unknown>) => void;
}

export class HostServers implements ServerHost {
  readonly kind = 'hosts' as const;
  readonly workers = [];
  readonly processes: HostProcess[];
  private readonly where = new Map<string, Placed>();
  private network: HostLinks | undefined;
  /** The thread being filled: its process and how many servers it has. */
  private filling: Slot | undefined;
  /**
   * Per process, its newest thread's first start: the next thread there waits for it. Started
   * all at once, 50 threads load their modules together on 2 cores and their first calls time
   * out (seen at tree:5000 on a loaded machine: over 60 s).
   */
  private readonly lastBoot = new Map<HostProcess, Promise<void>>();
  private threads = 0;
  private stopping = false;

  constructor(private readonly hooks: PlacementHooks, private readonly options: HostsOptions) {
    checkHostCount(options.processes);
    // K processes start their threads at once, on a machine they share: a thread's first call waits longer.
    const timeoutMs = hooks.callTimeoutMs ?? HOST_CALL_TIMEOUT_MS;
    this.processes = Array.from({ length: options.processes }, (_, i) => new HostProcess({
      label: `host-${i + 1}`, serversPerWorker: options.serversPerWorker, proxyPlacement: options.proxyPlacement ?? 'dialler',
      eventTypes: hooks.eventTypes ?? 'all', knowledge: hooks.knowledge, callTimeoutMs: timeoutMs,
    }, {
      onEvents: hooks.onEvents,
      onProxyEvents: (events) => this.network?.onEvents(events),
      onLost: (servers, message) => this.lost(i, servers, message),
    }, 2 * timeoutMs, options.nodeArgs));
    // A process that cannot start fails the first call on it; keep the rejection observed.
    for (const p of this.processes) p.ready.catch(() => {});
  }

  private lost(index: number, servers: string[] | 'all', message: string): void {
    const proc = this.processes[index]!;
    for (const [name, p] of this.where) if (p.alive && (servers === 'all' ? p.proc === proc : servers.includes(name))) p.alive = false;
    if (!this.stopping) this.hooks.onCrash?.(new WorkerCrash(message));
  }

  private placed(name: string): Placed {
    const p = this.where.get(name);
    if (!p?.alive) throw new WorkerCrash(`server ${name} is not running`);
    return p;
  }

  /** The process hosting `name` while it runs (for its links' proxies). */
  processOf(name: string): HostProcess | undefined {
    const p = this.where.get(name);
    return p?.alive ? p.proc : undefined;
  }

  async start(spec: HostedServerSpec, { ownWorker }: { ownWorker: boolean }): Promise<Address> {
    if (this.where.get(spec.name)?.alive) throw new Error(`a host named ${spec.name} is already running`);
    // Fill the current thread; a new one goes to the next process in turn.
    const fresh = ownWorker || !this.filling || this.filling.count >= this.options.serversPerWorker || !this.filling.proc.alive;
    if (fresh) this.filling = this.newThread();
    const slot = this.filling!;
    slot.count++;
    const placed: Placed = { proc: slot.proc, thread: '', alive: true };
    this.where.set(spec.name, placed);
    // A thread's first start waits for the previous thread of its process to boot; the others
    // wait for that first start, so the process fills this thread, not a newer one.
    await (fresh ? slot.after : slot.booted);
    const answer = slot.proc.call('start', [spec, fresh]);
    if (fresh) slot.release(answer);
    const { port, thread } = await answer;
    placed.thread = thread;
    if (fresh) slot.thread = thread;
    return { host: '127.0.0.1', port };
  }

  /** The next thread: on the next process in turn, booted after that process's previous one. */
  private newThread(): Slot {
    const proc = this.processes[this.threads++ % this.processes.length]!;
    let release!: (first: Promise<unknown>) => void;
    // Settled either way: a failed first start fails its own caller, not the threads after it.
    const booted = new Promise<unknown>((r) => (release = r)).then(() => undefined, () => undefined);
    const after = this.lastBoot.get(proc) ?? proc.ready.then(() => undefined, () => undefined);
    this.lastBoot.set(proc, booted);
    return { proc, thread: undefined, count: 0, after, booted, release };
  }

  join(name: string, target: Address, deadlineMs?: number): Promise<number> {
    return this.placed(name).proc.call('join', [name, target, deadlineMs], deadlineMs ?? 10_000);
  }

  async crash(name: string): Promise<void> {
    const p = this.where.get(name);
    if (!p?.alive) throw new Error(`crash: ${name} is not running`);
    const gone = await p.proc.call('crash', [name]);
    for (const n of gone) {
      const q = this.where.get(n);
      if (q?.proc === p.proc) q.alive = false;
    }
    if (this.filling?.proc === p.proc && this.filling.thread === p.thread) this.filling = undefined;
  }

  alive(name: string): boolean {
    return this.where.get(name)?.alive ?? false;
  }

  colocated(name: string): string[] {
    const p = this.where.get(name);
    return p ? [...this.where].filter(([, q]) => q.proc === p.proc && q.thread === p.thread && q.alive === p.alive).map(([n]) => n) : [];
  }

  state(name: string): Promise<ServerState> { return this.placed(name).proc.call('state', [name]); }
  counters(name: string): Promise<ServerCounters> { return this.placed(name).proc.call('counters', [name]); }

  private live(): HostProcess[] {
    return this.processes.filter((p) => p.alive);
  }

  async totals(): Promise<ByteTotals> {
    const all = await Promise.all(this.live().map((p) => p.call('totals', [])));
    return all.reduce((a, t) => ({ bytesIn: a.bytesIn + t.bytesIn, bytesOut: a.bytesOut + t.bytesOut, pending: a.pending + t.pending }), { bytesIn: 0, bytesOut: 0, pending: 0 });
  }

  async states(): Promise<Record<string, ServerState>> {
    const all = await Promise.all(this.live().map((p) => p.call('states', [])));
    return Object.assign({}, ...all) as Record<string, ServerState>;
  }

  async lateness(from: number, to: number): Promise<ThreadLateness[]> {
    const all = await Promise.all(this.live().map((p) => p.call('lateness', [from, to]).catch(() => [])));
    return all.flat();
  }

  /** Each live process's memory and descriptors, measured by itself. */
  memory(): Promise<HostMemory[]> {
    return Promise.all(this.live().map((p) => p.call('memory', [], 60_000)));
  }

  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork {
    this.network ??= new HostLinks(this, onEvents);
    return this.network;
  }

  /** Each process stops its threads and exits (killed if it does not). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}
