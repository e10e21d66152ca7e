// Foreign servers (not ours), each its own process, as a ServerHost. A course folder runs in
// our adapter tools/course_host.py, driven over its control API exactly as a crc-server
// process is (processes.ts): /events, /node-state, POST /join, SIGKILL on crash, a restart on
// the same port. A course server's bootstrap is fixed when it is made, so a server that joins
// starts with --defer and is made at POST /join; a root runs at once. A command impl is
// spawned with its placeholders filled at join time (at once for a root) and is ready when its
// port accepts: it is black-box (no state, no events), and says so in errors. Neither keeps counters.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import type { ProxyEvent } from '../faults/events.ts';
import type { ServerState } from '../net/server-node.ts';
import { nowMs } from '../util/clock.ts';
import type { ByteTotals, HostedServerSpec, ServerCounters } from '../threads/worker-api.ts';
import { WorkerCrash } from '../threads/worker-handle.ts';
import { Child } from './child.ts';
import { ServerControl } from './control-client.ts';
import { type ImplSpec, fillCommand, implLabel } from '../topology/impl-spec.ts';
import type { Address, LinkNetwork, PlacementHooks, ServerHost } from './types.ts';

/** How long the adapter (python start-up, on a loaded machine) may take to print its monitor line. */
export const FOREIGN_START_TIMEOUT_MS = 20_000;
/** How long a foreign server's port may take to accept, when nothing else tells us it is up. */
const PORT_READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5000;
/** Between two tries of a port that does not accept yet (a black-box program says nothing else). */
const PORT_RETRY_MS = 25;

const LOOPBACK = '127.0.0.1';

/** The project's root: tools/ lives there (from src/placement or dist/src/placement). */
const ROOT = new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url);
export const COURSE_HOST = fileURLToPath(new URL('tools/course_host.py', ROOT));

let python: Promise<string> | undefined;
/** The python3 interpreter itself, found once: a version manager's shim (pyenv) costs seconds per start. */
export function pythonPath(): Promise<string> {
  python ??= new Promise((resolve) => {
    execFile('python3', ['-c', 'import sys; print(sys.executable)'], { timeout: 20_000 }, (err, out) => resolve(err ? 'python3' : out.trim() || 'python3'));
  });
  return python;
}

/** A port nobody listens on now (the OS's pick; a course server needs its port before it runs). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, LOOPBACK, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts a connection (closed at once), rejects after `timeoutMs` or when `gone()` says the process died. */
export async function portAccepts(port: number, timeoutMs: number, gone: () => string | undefined): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: LOOPBACK, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => { s.destroy(); resolve(false); });
    });
    if (ok) return;
    const why = gone();
    if (why) throw new Error(why);
    if (Date.now() > until) throw new Error(`port ${port} did not accept within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, PORT_RETRY_MS));
  }
}

export type ForeignSpec = HostedServerSpec & { impl: ImplSpec };

interface Running {
  spec: ForeignSpec;
  label: string;
  port: number;
  child: Child | undefined;
  /** the adapter's control API (course impls only) */
  control: ServerControl | undefined;
  events: { close(): void } | undefined;
}

export class ForeignServers implements ServerHost {
  readonly kind = 'foreign' as const;
  readonly workers = [];
  private readonly running = new Map<string, Running>();

  /** `kindOf`: what the coordinator knows an id to be, for records the adapter could not classify. */
  constructor(private readonly hooks: PlacementHooks, private readonly kindOf: (id: number) => 'server' | 'client' | undefined = () => undefined) {}

  has(name: string): boolean {
    return this.running.has(name);
  }

  private get(name: string): Running {
    const r = this.running.get(name);
    if (!r?.child?.alive) throw new Error(`server ${name} (${r ? implLabel(r.spec.impl) : 'foreign'}) is not running`);
    return r;
  }

  private spawn(r: Running, command: string, args: string[]): Child {
    return (r.child = new Child({ label: r.label, command, args, onExit: (err) => this.hooks.onCrash?.(new WorkerCrash(err.message)) }));
  }

  async start(spec: HostedServerSpec, { joins }: { ownWorker: boolean; joins?: boolean }): Promise<Address> {
    if (!spec.impl) throw new Error(`server ${spec.name} has no impl: it is ours, not foreign`);
    if (this.running.get(spec.name)?.child?.alive) throw new Error(`a host named ${spec.name} is already running`);
    // A course server's port is picked and held by its adapter until it binds it (read back
    // below); a command binds the one it is given, picked here.
    const port = spec.port ?? ('course' in spec.impl ? 0 : await freePort());
    const r: Running = { spec: spec as ForeignSpec, label: `${implLabel(spec.impl)} server ${spec.name} (${spec.id})`, port, child: undefined, control: undefined, events: undefined };
    this.running.set(spec.name, r);
    try {
      if ('course' in spec.impl) await this.startCourse(r, spec.impl.course, joins ?? true);
      else if (!joins) await this.runCommand(r, { host: '', port: 0 });
    } catch (err) {
      r.child?.kill();
      throw err;
    }
    return { host: LOOPBACK, port: r.port };
  }

  /** The adapter, deferred until POST /join for a server that joins; a root runs at once. */
  private async startCourse(r: Running, dir: string, joins: boolean): Promise<void> {
    const { id, name, info } = r.spec;
    const args = [COURSE_HOST, 'server', '--dir', dir, '--id', String(id), '--servername', name, '--info', info, '--port', String(r.port), '--exit-on-stdin-close'];
    if (joins) args.push('--defer');
    const child = this.spawn(r, await pythonPath(), args);
    const wanted = [/^monitor on (http:\/\/[^/\s]+)\//, ...(joins ? [] : [/listening on ([^\s]+):(\d+)$/])];
    const [monitor] = await child.waitForLines(wanted, FOREIGN_START_TIMEOUT_MS);
    r.control = new ServerControl(r.label, monitor![1]!, this.hooks.callTimeoutMs);
    r.port = (await r.control.health()).port;
    const types = this.hooks.eventTypes ?? 'all';
    if (types === 'all' || types.length > 0) {
      r.events = await r.control.subscribe((events) => this.hooks.onEvents?.(events), types, () => {});
    }
  }

  /** A command impl, its placeholders filled; ready when its port accepts. */
  private async runCommand(r: Running, target: Address): Promise<void> {
    const { id, name, info } = r.spec;
    const command = fillCommand((r.spec.impl as { command: string[] }).command, { id, name, info, port: r.port, connect_host: target.host, connect_port: target.port });
    const child = this.spawn(r, command[0]!, command.slice(1));
    await portAccepts(r.port, PORT_READY_TIMEOUT_MS, () => (child.alive ? undefined : `exited before its port ${r.port} accepted${child.tail()}`))
      .catch((err: Error) => { throw new Error(`${r.label}: ${err.message}${child.alive ? child.tail() : ''}`); });
  }

  /** Course: POST /join (answers once the course server's port accepts). Command: spawn now; the time is when its port accepted. */
  async join(name: string, target: Address, deadlineMs?: number): Promise<number> {
    const r = this.running.get(name);
    if (!r) throw new Error(`join: no foreign server ${name}`);
    if ('course' in r.spec.impl) return this.get(name).control!.join(target, deadlineMs);
    if (r.child?.alive) throw new Error(`${r.label} already runs: a command impl joins once, when it is spawned`);
    await this.runCommand(r, target);
    return nowMs();
  }

  async crash(name: string): Promise<void> {
    const r = this.get(name);
    r.child!.kill('SIGKILL');
    await r.child!.exited;
    r.events?.close();
  }

  alive(name: string): boolean {
    const r = this.running.get(name);
    if (!r) return false;
    // A command impl that has not joined yet has no process, but is up as far as the coordinator is concerned.
    return r.child ? r.child.alive : 'command' in r.spec.impl;
  }

  colocated(name: string): string[] {
    return this.running.has(name) ? [name] : [];
  }

  private blackBox(r: Running, what: string): Error {
    return new Error(`${r.label} is black-box: ${what} cannot be read (only its port is observed: no state, no events, no counters)`);
  }

  async state(name: string): Promise<ServerState> {
    const r = this.get(name);
    if (!r.control) throw this.blackBox(r, 'its state');
    const s = await r.control.state();
    // The adapter may not tell a server's record from a client's: the coordinator knows.
    return { ...s, hosts: s.hosts.map((h) => ((h.kind as string) === 'unknown' ? { ...h, kind: this.kindOf(h.id) ?? h.kind } : h)) };
  }

  /** No foreign server counts its messages or bytes (the adapter answers zeros marked blackBox): refused, not faked. */
  async counters(name: string): Promise<ServerCounters> {
    const r = this.get(name);
    if (!r.control) throw this.blackBox(r, 'its counters');
    throw new Error(`${r.label} keeps no counters (a course server counts no messages or bytes)`);
  }

  /** Foreign servers count no bytes (the adapter answers zeros): nothing to add. */
  async totals(): Promise<ByteTotals> {
    return { bytesIn: 0, bytesOut: 0, pending: 0 };
  }

  /** The states that can be read (course impls); black-box servers are left out. */
  async states(): Promise<Record<string, ServerState>> {
    const live = [...this.running].filter(([, r]) => r.child?.alive && r.control);
    const states = await Promise.all(live.map(([name]) => this.state(name)));
    return Object.fromEntries(live.map(([name], i) => [name, states[i]!]));
  }

  links(_onEvents: (events: ProxyEvent[]) => void): LinkNetwork {
    throw new Error('foreign servers run no link proxies: the placement of our servers does (mixed.ts)');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].filter((r) => r.child?.alive).map(async (r) => {
      r.child!.expectExit();
      if (r.control) await r.control.stop().catch(() => {});
      else r.child!.kill('SIGTERM');
      await r.child!.waitOrKill(STOP_TIMEOUT_MS);
      r.events?.close();
    }));
  }
}
