// Course-layout servers and clients under tools/course_host.py, as child processes, for tests
// (not a test file itself). startCourseServer / startCourseClient spawn the adapter, wait for
// its control API, subscribe to its /events, and hand back the calls a test needs;
// useCourseHostLifecycle() kills every adapter after each test and prints their output when one
// fails. Every port is picked by the OS (the adapter's --port 0) and read back.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import type { ServerState } from '../../src/net/server-node.ts';
import { ServerControl } from '../../src/placement/control-client.ts';
import { waitFor } from '../net/helpers.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COURSE_HOST = fileURLToPath(new URL('../../tools/course_host.py', import.meta.url));
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/course-impl/', import.meta.url));
/** The fixture's presets (test/fixtures/course-impl/fixture_convention.py). */
export const PRESETS = ['zero-echo', 'zero', 'joiner', 'self', 'self-any'] as const;
export type Preset = (typeof PRESETS)[number];

// The interpreter itself, not a version manager's shim (a pyenv shim costs seconds per start).
const probe = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
/** Why python3 cannot run here ('' when it can): tests skip with this as the printed reason. */
export const NO_PYTHON = probe.error
  ? `python3 is not runnable (${probe.error.message})`
  : probe.status !== 0 ? `python3 -c ... exited with ${probe.status}` : '';
export const PYTHON = probe.stdout?.trim() || 'python3';

/** Bytes of stderr kept per adapter (the newest). */
const STDERR_TAIL_BYTES = 16 * 1024;
/** Events kept per adapter in a test: more means a runaway test. */
const MAX_EVENTS = 100_000;
const START_MS = 15_000;

export const WELCOME = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;

// ---- one adapter process --------------------------------------------------------------------

export class CourseHostProcess {
  stdout = '';
  private stderr = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcessWithoutNullStreams, readonly label: string) {
    child.stdout.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { this.stderr = (this.stderr + s).slice(-STDERR_TAIL_BYTES); });
    child.stdin.on('error', () => {});
    this.exit = new Promise((resolve) => child.on('close', (code, signal) => { this.exited = { code, signal }; resolve(this.exited); }));
  }

  stderrTail(): string {
    return this.stderr;
  }

  /** The first match of `re` in stdout; rejects if the process exits first. */
  async line(re: RegExp, ms = START_MS): Promise<RegExpMatchArray> {
    return waitFor(() => {
      const m = this.stdout.match(re);
      if (m) return m;
      if (this.exited) throw new Error(`${this.label} exited (${JSON.stringify(this.exited)}) before printing ${re}`);
      return undefined;
    }, ms, `${this.label} to print ${re}`);
  }

  dump(): string {
    return `--- ${this.label} (exit ${JSON.stringify(this.exited)})\nstdout:\n${this.stdout}stderr:\n${this.stderr}`;
  }
}

const running: CourseHostProcess[] = [];

function spawnHost(args: string[], env: Record<string, string> | undefined, label: string): CourseHostProcess {
  const child = spawn(PYTHON, [COURSE_HOST, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  const p = new CourseHostProcess(child, label);
  running.push(p);
  return p;
}

/** The /events stream of one adapter, collected. */
export class EventLog {
  readonly all: SimEvent[] = [];
  ended: string | undefined;
  push(events: SimEvent[]): void {
    if (this.all.length + events.length > MAX_EVENTS) throw new Error(`over ${MAX_EVENTS} events from one adapter`);
    this.all.push(...events);
  }
  of<T extends SimEvent['type']>(type: T): Array<Extract<SimEvent, { type: T }>> {
    return this.all.filter((e) => e.type === type) as Array<Extract<SimEvent, { type: T }>>;
  }
  /** The first event matching `pred` (waits for it). */
  async waitFor(pred: (e: SimEvent) => boolean, what: string, ms = 10_000): Promise<SimEvent> {
    return waitFor(() => this.all.find(pred), ms, what);
  }
}

interface Common {
  proc: CourseHostProcess;
  /** The control API's base URL, e.g. http://127.0.0.1:4321/ */
  base: string;
  events: EventLog;
  /** POST /stop; resolves with the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** POST /crash; resolves with the exit. */
  crash(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail(): string;
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
}

async function request(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function common(proc: CourseHostProcess, label: string): Promise<Common & { control: ServerControl }> {
  const base = `${(await proc.line(/^monitor on (http:\/\/127\.0\.0\.1:\d+\/)$/m))[1]!}`;
  const control = new ServerControl(label, base);
  const events = new EventLog();
  await control.subscribe((batch) => events.push(batch), 'all', (why) => { events.ended = why; });
  const exitAfter = async (path: string) => {
    const r = await request(base, 'POST', path).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
    if (r.status !== 202) throw new Error(`${label}: POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return proc.exit;
  };
  return {
    proc, base, events, control,
    stop: () => exitAfter('/stop'),
    crash: () => exitAfter('/crash'),
    stderrTail: () => proc.stderrTail(),
    health: () => request(base, 'GET', '/health'),
  };
}

// ---- servers ----------------------------------------------------------------------------------

export interface CourseServerOptions {
  /** A course-layout folder (default: our fixture). */
  dir?: string;
  id: number;
  name: string;
  info?: string;
  /** Default 0: the adapter picks a free port. */
  port?: number;
  /** Dial this server's port at start. */
  connect?: number;
  /** Start only on join(). */
  defer?: boolean;
  /** e.g. { CRC_FIXTURE_CONVENTION: 'zero' } */
  env?: Record<string, string>;
  pollMs?: number;
  /** Wait for `listening on` (default: unless deferred). */
  waitListening?: boolean;
}

export interface CourseServer extends Common {
  id: number;
  name: string;
  /** The course server's listening port. */
  port: number;
  control: ServerControl;
  state(): Promise<ServerState>;
  until(pred: (s: ServerState) => boolean, what: string, ms?: number): Promise<ServerState>;
  /** POST /join (a deferred server): dial `port` and register. */
  join(port: number, host?: string): Promise<number>;
}

export async function startCourseServer(o: CourseServerOptions): Promise<CourseServer> {
  const label = `course-server ${o.id} ${o.name}`;
  const args = ['server', '--dir', o.dir ?? FIXTURE_DIR, '--id', String(o.id), '--servername', o.name,
    '--info', o.info ?? `${o.name} info`, '--port', String(o.port ?? 0), '--poll-ms', String(o.pollMs ?? 5)];
  if (o.connect !== undefined) args.push('--connect-port', String(o.connect));
  if (o.defer) args.push('--defer');
  const proc = spawnHost(args, o.env, label);
  const c = await common(proc, label);
  if (o.waitListening ?? !o.defer) await proc.line(/^listening on 127\.0\.0\.1:\d+$/m);
  const port = Number((await c.health()).body.port);
  const state = () => c.control.state();
  return {
    ...c, id: o.id, name: o.name, port, state,
    until: (pred, what, ms = 10_000) => waitFor(async () => { const s = await state(); return pred(s) ? s : undefined; }, ms, `${label}: ${what}`),
    join: (target, host = '127.0.0.1') => c.control.join({ host, port: target }),
  };
}

// ---- clients ----------------------------------------------------------------------------------

export interface CourseClientState {
  id: number;
  name: string;
  connected: boolean;
  connectedUserIds: number[];
  statusLog: string[];
  chatLog: string[];
}

export interface CourseClientOptions {
  dir?: string;
  id: number;
  name: string;
  info?: string;
  serverPort: number;
  env?: Record<string, string>;
  pollMs?: number;
}

export interface CourseClient extends Common {
  id: number;
  name: string;
  state(): Promise<CourseClientState>;
  until(pred: (s: CourseClientState) => boolean, what: string, ms?: number): Promise<CourseClientState>;
  message(to: number, text: string): Promise<void>;
  quit(text?: string): Promise<void>;
}

export async function startCourseClient(o: CourseClientOptions): Promise<CourseClient> {
  const label = `course-client ${o.id} ${o.name}`;
  const args = ['client', '--dir', o.dir ?? FIXTURE_DIR, '--id', String(o.id), '--username', o.name,
    '--info', o.info ?? `${o.name} info`, '--server-port', String(o.serverPort), '--poll-ms', String(o.pollMs ?? 5)];
  const proc = spawnHost(args, o.env, label);
  const c = await common(proc, label);
  const state = async () => {
    const r = await request(c.base, 'GET', '/state');
    if (r.status !== 200) throw new Error(`${label}: GET /state: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as unknown as CourseClientState;
  };
  const post = async (path: string, body: unknown) => {
    const r = await request(c.base, 'POST', path, body);
    if (r.status !== 200) throw new Error(`${label}: POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  return {
    ...c, id: o.id, name: o.name, state,
    until: (pred, what, ms = 10_000) => waitFor(async () => { const s = await state(); return pred(s) ? s : undefined; }, ms, `${label}: ${what}`),
    message: (to, text) => post('/message', { to, text }),
    quit: (text = '') => post('/quit', { text }),
  };
}

// ---- lifecycle ----------------------------------------------------------------------------------

/** Print every adapter's output when a test fails; kill every adapter after each test. */
export function useCourseHostLifecycle(): void {
  // In afterEach, not onTestFailed: vitest runs onTestFailed after the afterEach hooks, when the
  // adapters would already be gone from the list.
  afterEach(async ({ task }) => {
    const procs = running.splice(0);
    if (task.result?.state === 'fail') for (const p of procs) console.error(p.dump());
    for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exit));
  });
}

export const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
