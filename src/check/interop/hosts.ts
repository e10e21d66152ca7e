// The hosts of an interop run, each its own process: course-layout servers and clients under
// tools/course_host.py, and our built crc-server with its monitor. Each is driven over HTTP
// (a server's /node-state; a course client's /state, /message, /quit) and every process is
// owned by one HostGroup, which kills them all when the run ends.
import { fileURLToPath } from 'node:url';
import { builtUrl } from '../../threads/worker-handle.ts';
import { Child } from '../../placement/child.ts';
import { ServerControl } from '../../placement/control-client.ts';
import { COURSE_HOST, pythonPath } from '../../placement/foreign.ts';

/** Python or node start-up on a loaded machine. */
const START_MS = 20_000;
/** Processes one run may start (the matrix uses seven): more is a runaway run. */
const MAX_PROCESSES = 32;
/** Between two polls of a condition. */
const POLL_MS = 20;
const HTTP_MS = 10_000;

/** Poll `fn` until it returns something truthy; rejects after `ms`, naming `what` and the last value or error. */
export async function until<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = undefined;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}${last ? ` (last error: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function http<T>(label: string, base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, base), {
    method, signal: AbortSignal.timeout(HTTP_MS),
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${label}: ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** What a server's /node-state says (the control client's type: check may not import net). */
export type ServerState = Awaited<ReturnType<ServerControl['state']>>;

export interface InteropServer {
  label: string;
  port: number;
  state(): Promise<ServerState>;
  /** killed at once (SIGKILL), as a crash */
  crash(): Promise<void>;
}

export interface CourseClientState {
  id: number;
  name: string;
  connectedUserIds: number[];
  statusLog: string[];
  chatLog: string[];
}

export interface InteropClient {
  label: string;
  id: number;
  name: string;
  state(): Promise<CourseClientState>;
  message(to: number, text: string): Promise<void>;
  quit(text: string): Promise<void>;
}

export class HostGroup {
  private readonly children: Child[] = [];

  /** `env`: added to each course process's environment (e.g. CRC_FIXTURE_CONVENTION). */
  constructor(private readonly dir: string, private readonly env?: Record<string, string>) {}

  private start(label: string, command: string, args: string[], env?: Record<string, string>): Child {
    if (this.children.length >= MAX_PROCESSES) throw new Error(`over ${MAX_PROCESSES} processes in one interop run`);
    const child = new Child({ label, command, args, env });
    this.children.push(child);
    return child;
  }

  /** Output of every process, for evidence. */
  tails(): string {
    return this.children.map((c) => `--- ${c.label}${c.alive ? '' : ' (gone)'}\n${c.tail()}`).join('\n');
  }

  async courseServer(o: { id: number; name: string; connect?: number }): Promise<InteropServer> {
    const label = `course server ${o.name} (${o.id})`;
    const args = [COURSE_HOST, 'server', '--dir', this.dir, '--id', String(o.id), '--servername', o.name, '--info', `${o.name} info`,
      '--port', '0', '--poll-ms', '5', '--exit-on-stdin-close', ...(o.connect === undefined ? [] : ['--connect-port', String(o.connect)])];
    const child = this.start(label, await pythonPath(), args, { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...this.env });
    const [monitor, listen] = await child.waitForLines([/^monitor on (http:\/\/[^/\s]+)\//, /listening on ([^\s]+):(\d+)$/], START_MS);
    const control = new ServerControl(label, monitor![1]!);
    return { label, port: Number(listen![2]), state: () => control.state(), crash: () => kill(child) };
  }

  async courseClient(o: { id: number; name: string; serverPort: number }): Promise<InteropClient> {
    const label = `course client ${o.name} (${o.id})`;
    const args = [COURSE_HOST, 'client', '--dir', this.dir, '--id', String(o.id), '--username', o.name, '--info', `${o.name} info`,
      '--server-port', String(o.serverPort), '--poll-ms', '5', '--exit-on-stdin-close'];
    const child = this.start(label, await pythonPath(), args, { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...this.env });
    const [monitor] = await child.waitForLines([/^monitor on (http:\/\/[^/\s]+)\//], START_MS);
    const base = monitor![1]! + '/';
    return {
      label, id: o.id, name: o.name,
      state: () => http(label, base, 'GET', '/state'),
      message: async (to, text) => { await http(label, base, 'POST', '/message', { to, text }); },
      quit: async (text) => { await http(label, base, 'POST', '/quit', { text }); },
    };
  }

  /** Our built crc-server; `extra`: its flags (e.g. liveness). */
  async ourServer(o: { id: number; name: string; connect?: number; extra?: string[] }): Promise<InteropServer> {
    const label = `our crc-server ${o.name} (${o.id})`;
    const args = [fileURLToPath(builtUrl('src/cli/crc-server')), '--id', String(o.id), '--servername', o.name, '--info', `${o.name} info`,
      '--port', '0', '--monitor-port', '0', '--exit-on-stdin-close', ...(o.extra ?? []),
      ...(o.connect === undefined ? [] : ['--connect_to_host', '127.0.0.1', '--connect_to_port', String(o.connect)])];
    const child = this.start(label, process.execPath, args);
    const [listen, monitor] = await child.waitForLines([/listening on ([^\s]+):(\d+)$/, /^monitor on (http:\/\/[^/\s]+)\//], START_MS);
    const control = new ServerControl(label, monitor![1]!);
    return { label, port: Number(listen![2]), state: () => control.state(), crash: () => kill(child) };
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => kill(c)));
  }
}

async function kill(child: Child): Promise<void> {
  if (!child.alive) return;
  child.kill('SIGKILL');
  await child.exited;
}
