// One node process of the hosts placement as the coordinator sees it: spawned (child.ts, with
// an IPC channel), called over that one channel (host-wire.ts), every call raced against the
// process's exit and a timeout, its pushed events handed on. Killed with this process (child.ts).
import { fileURLToPath } from 'node:url';
import type { ProxyEvent } from '../faults/events.ts';
import type { SimEvent } from '../threads/worker-api.ts';
import { WorkerCrash, builtUrl } from '../threads/worker-handle.ts';
import { Child } from './child.ts';
import type { HostApi, HostCall, HostConfig, HostMessage, HostOp } from './host-wire.ts';

/** Calls waiting for an answer from one process, at most (each server's start and join is one). */
export const MAX_PENDING_CALLS = 100_000;
/** How long a node process may take to say it is ready. */
const READY_TIMEOUT_MS = 30_000;
/** How long stop may take before the process is killed. */
const STOP_TIMEOUT_MS = 15_000;

export interface HostProcessHooks {
  onEvents?: (events: SimEvent[]) => void;
  onProxyEvents?: (events: ProxyEvent[]) => void;
  /** Servers lost unasked (a thread died, or with `all`, the whole process): the message says why. */
  onLost: (servers: string[] | 'all', message: string) => void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class HostProcess {
  readonly label: string;
  private readonly child: Child;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone: Error | undefined;
  readonly ready: Promise<void>;

  /** `nodeArgs`: node flags for the process (--expose-gc, --max-old-space-size=...). */
  constructor(config: HostConfig, hooks: HostProcessHooks, private readonly timeoutMs: number, nodeArgs: string[] = []) {
    this.label = config.label;
    const script = fileURLToPath(builtUrl('src/placement/host-main'));
    this.child = new Child({
      label: config.label, command: process.execPath, args: [...nodeArgs, script, JSON.stringify(config)], ipc: true,
      onExit: (err) => hooks.onLost('all', err.message),
    });
    let ready!: () => void;
    this.ready = new Promise<void>((resolve) => (ready = resolve));
    this.child.process.on('message', (m: HostMessage) => {
      if ('reply' in m) this.settle(m);
      else if ('events' in m) hooks.onEvents?.(m.events);
      else if ('proxyEvents' in m) hooks.onProxyEvents?.(m.proxyEvents);
      else if ('crashed' in m) hooks.onLost(m.crashed, m.message);
      else if ('ready' in m) ready();
    });
    void this.child.exited.then((why) => {
      this.gone = new WorkerCrash(`${this.label} ${why}${this.child.tail()}`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(this.gone);
      }
      this.pending.clear();
    });
    const started = Promise.race([this.ready, this.child.exited.then(() => Promise.reject(this.gone!))]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.label} did not start within ${READY_TIMEOUT_MS} ms${this.child.tail()}`)), READY_TIMEOUT_MS);
    });
    this.ready = Promise.race([started, late]).finally(() => clearTimeout(timer));
    this.ready.catch(() => this.child.kill());
  }

  get alive(): boolean {
    return this.child.alive;
  }

  get pid(): number | undefined {
    return this.child.process.pid;
  }

  private settle(m: Extract<HostMessage, { reply: number }>): void {
    const p = this.pending.get(m.reply);
    if (!p) return; // timed out already
    this.pending.delete(m.reply);
    clearTimeout(p.timer);
    if ('error' in m) {
      const err = m.error.name === 'WorkerCrash' ? new WorkerCrash(m.error.message) : new Error(m.error.message);
      p.reject(err);
    } else p.resolve(m.value);
  }

  /** Call the process; `extraMs` on top of the timeout for calls that wait by design (a join's deadline). */
  call<K extends HostOp>(op: K, args: Parameters<HostApi[K]>, extraMs = 0): Promise<ReturnType<HostApi[K]>> {
    if (this.gone) return Promise.reject(new WorkerCrash(`${op}: ${this.gone.message}`));
    if (this.pending.size >= MAX_PENDING_CALLS) return Promise.reject(new Error(`${this.label}: ${op}: ${MAX_PENDING_CALLS} calls already wait for an answer`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const ms = this.timeoutMs + extraMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: ${op} got no answer within ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const call: HostCall<K> = { id, op, args };
      this.child.process.send(call, (err) => {
        if (err) this.settle({ reply: id, error: { name: 'Error', message: `${this.label}: ${op}: ${err.message}` } });
      });
    });
  }

  /** Stop its servers and let it exit; killed if it does not in time. */
  async stop(): Promise<void> {
    this.child.expectExit();
    if (this.child.alive) await this.call('stop', [], STOP_TIMEOUT_MS).catch(() => {});
    await this.child.waitOrKill(STOP_TIMEOUT_MS);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
