// One worker thread as the coordinator sees it: a comlink remote whose every call is raced
// against the worker's exit and a timeout (a call to a dead worker would otherwise never
// settle), plus the raw event port. Its kind picks the script (worker-api.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type ResourceLimits, Worker } from 'node:worker_threads';
import type { ProxyEvent } from '../faults/events.ts';
import { Comlink, nodeEndpoint } from '../util/comlink-node.ts';
import { nowMs } from '../util/clock.ts';
import { envWholeNumber } from '../util/env.ts';
import { giveBoardSlot, takeBoardSlot } from '../util/host-lateness-board.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import { type KnowledgeMode, type NodeHostApi, type SimEvent, WORKER_SCRIPT, type WorkerControl, type WorkerData, type WorkerKind } from './worker-api.ts';

/**
 * Workers always run built JS (dist/): Node 20 cannot start a .ts worker, and tsx in a
 * worker costs seconds at start-up. `path` is from the project root without extension, e.g.
 * 'workers/node-host'. From src/ (tests) dist is ../../dist; from dist/src/coordinator, ../..
 */
export function builtUrl(path: string): URL {
  const root = import.meta.url.endsWith('.ts') ? '../../dist/' : '../../';
  const url = new URL(`${root}${path}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`${fileURLToPath(url)} is missing: run "npm run build" first`);
  }
  return url;
}

export const builtWorkerUrl = (name: string): URL => builtUrl(`workers/${name}`);

/**
 * How long a new thread may take to load its modules and say it is ready. A call's own timeout
 * starts only then: twenty threads loading at once on a loaded 2-core machine took over 10 s
 * (CI: "start server s1: worker servers-1 did not answer within 10000 ms", npm start tree:1000:7).
 */
export const WORKER_START_TIMEOUT_MS = 120_000;

/**
 * The young generation of each server, clients' and proxy thread (MiB; V8 makes a third of it
 * a semi-space). V8's default (16 MiB semi-spaces) made a busy server thread run a full
 * mark-compact every ~0.3 s while its heap stayed at 9-12 MiB: after each one the old
 * generation's headroom (15 MiB) was below the new space's capacity, V8's trigger for the next
 * incremental marking (`--trace-incremental-marking`: "Start (task)", 22 in a 3 s hop-cost
 * round, 2 with this). A relay thread allocates little and survives less, so a small young
 * generation costs nothing: docs/hop.md. CRC_WORKER_YOUNG_GENERATION_MB=0 keeps V8's default.
 */
export const WORKER_YOUNG_GENERATION_MB = 6;

export class WorkerCrash extends Error {
  override readonly name = 'WorkerCrash';
}

export interface WorkerHandleOptions<Api extends WorkerControl = NodeHostApi, Ev = SimEvent> {
  kind: WorkerKind;
  label: string;
  eventTypes?: string[] | 'all';
  knowledge?: KnowledgeMode;
  onEvents?: (events: Ev[]) => void;
  /** Events of link proxies hosted by a node-host worker (placement 'dialler'). */
  onProxyEvents?: (events: ProxyEvent[]) => void;
  /** Called once if the worker dies without being asked to. */
  onCrash?: (handle: WorkerHandle<Api, Ev>, error: WorkerCrash) => void;
  callTimeoutMs?: number;
}

export class WorkerHandle<Api extends WorkerControl = NodeHostApi, Ev = SimEvent> {
  readonly worker: Worker;
  readonly api: Comlink.Remote<Api>;
  readonly kind: WorkerKind;
  readonly label: string;
  /** Names of the servers or clients placed here, for crash reports. */
  readonly hosts: string[] = [];
  private readonly events: import('node:worker_threads').MessagePort;
  private stopping = false;
  private crash: WorkerCrash | undefined;
  private readonly died: Promise<never>;
  private lastError: Error | undefined;
  private readonly callTimeoutMs: number;
  /** Resolves when the thread has loaded and listens for calls (its first message: `{ ready: true }`). */
  readonly ready: Promise<void>;
  /** Rejects if the thread is not ready within WORKER_START_TIMEOUT_MS. */
  private readonly startFailed: Promise<never>;

  constructor(private readonly options: WorkerHandleOptions<Api, Ev>) {
    this.kind = options.kind;
    this.label = options.label;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    // before anything is taken: a bad value throws
    const youngMb = envWholeNumber('CRC_WORKER_YOUNG_GENERATION_MB', WORKER_YOUNG_GENERATION_MB, "a whole number of MiB (0: V8's default)");
    const resourceLimits = youngMb > 0 ? { maxYoungGenerationSizeMb: youngMb } : undefined;
    const { port1, port2 } = new MessageChannel();
    // Threads of servers and link proxies share their lateness (liveness reads it); clients' do not.
    const share = options.kind === 'clients' ? undefined : takeBoardSlot(nowMs());
    const data: WorkerData = { events: port2, eventTypes: options.eventTypes ?? 'all', knowledge: options.knowledge, label: options.label, ...(share ? { latenessBoard: share } : {}) };
    this.worker = new Worker(builtWorkerUrl(WORKER_SCRIPT[options.kind]), { workerData: data, transferList: [port2], resourceLimits });
    this.events = port1;
    let markReady!: () => void;
    this.ready = new Promise<void>((r) => { markReady = r; });
    let startTimer: NodeJS.Timeout | undefined;
    this.startFailed = new Promise<never>((_, reject) => {
      startTimer = setTimeout(() => reject(new Error(`${this.describe()} did not start within ${WORKER_START_TIMEOUT_MS} ms`)), WORKER_START_TIMEOUT_MS);
      startTimer.unref();
    });
    this.startFailed.catch(() => {}); // observed through call()
    port1.on('message', (batch: { events?: Ev[]; proxyEvents?: ProxyEvent[]; ready?: true }) => {
      if (batch.ready) {
        clearTimeout(startTimer);
        markReady();
      }
      if (batch.events) options.onEvents?.(batch.events);
      if (batch.proxyEvents) options.onProxyEvents?.(batch.proxyEvents);
    });
    this.api = Comlink.wrap<Api>(nodeEndpoint(this.worker as never));
    this.worker.on('error', (err) => {
      this.lastError = err;
    });
    this.died = new Promise<never>((_, reject) => {
      this.worker.once('exit', (code) => {
        clearTimeout(startTimer);
        port1.close();
        if (share) giveBoardSlot(share.slot);
        const why = this.lastError ? `crashed: ${this.lastError.message}` : `exited with code ${code}`;
        this.crash = new WorkerCrash(`${this.describe()} ${this.stopping ? 'was stopped' : why}`);
        reject(this.crash);
        if (!this.stopping) options.onCrash?.(this, this.crash);
      });
    });
    this.died.catch(() => {}); // observed through call()
  }

  /** The V8 heap limits the thread runs with (its young generation: WORKER_YOUNG_GENERATION_MB). */
  get resourceLimits(): ResourceLimits {
    return this.worker.resourceLimits ?? {};
  }

  get alive(): boolean {
    return this.crash === undefined;
  }

  describe(): string {
    const shown = this.hosts.slice(0, 5).join(', ') + (this.hosts.length > 5 ? `, … (${this.hosts.length})` : '');
    return `worker ${this.label}${this.hosts.length ? ` (${shown})` : ''}`;
  }

  /**
   * Call the worker; rejects with a clear error if it dies or takes longer than the timeout,
   * counted from when the thread is ready (its start-up has its own bound, WORKER_START_TIMEOUT_MS).
   */
  call<T>(what: string, fn: (api: Comlink.Remote<Api>) => Promise<T>, timeoutMs = this.callTimeoutMs): Promise<T> {
    if (this.crash) return Promise.reject(new WorkerCrash(`${what}: ${this.crash.message}`));
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const timeout = this.ready.then(() => new Promise<never>((_, reject) => {
      if (!settled) timer = setTimeout(() => reject(new Error(`${what}: ${this.describe()} did not answer within ${timeoutMs} ms`)), timeoutMs);
    }));
    const died = this.died.catch((err: Error) => {
      throw new WorkerCrash(`${what}: ${err.message}`);
    });
    const notStarted = this.startFailed.catch((err: Error) => {
      throw new Error(`${what}: ${err.message}`);
    });
    return Promise.race([fn(this.api), died, notStarted, timeout]).finally(() => {
      settled = true;
      clearTimeout(timer);
    });
  }

  /** This thread's timer lateness around [from, to]; undefined when it is gone or does not answer in time. */
  async lateness(from: number, to: number): Promise<ThreadLateness | undefined> {
    if (this.crash) return undefined;
    try {
      const own = await this.call('lateness', (api) => (api as unknown as Comlink.Remote<WorkerControl>).lateness(from, to), 5000);
      return { thread: this.describe().replace(/^worker /, ''), ...own };
    } catch {
      return undefined; // a thread that died meanwhile excuses nothing
    }
  }

  /** Stop gracefully: close every node, flush events, end the thread. */
  async stop(): Promise<void> {
    if (this.crash) return;
    try {
      await this.call('stop', (api) => api.stopAll(), 5000);
    } catch {
      // already dead or stuck: terminate below
    }
    await this.terminate();
  }

  /** End the thread at once: its sockets close as a crashed process's would. */
  async terminate(): Promise<void> {
    this.stopping = true;
    if (this.crash) return;
    this.api[Comlink.releaseProxy]();
    await this.worker.terminate();
    this.events.close();
  }
}
