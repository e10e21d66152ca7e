// Shared pieces of the interop tests (not a test file itself): our built commands and the
// independent Python peer (crc_peer.py) as child processes, their state, and a capturing TCP
// relay. Every port is 0 and read back; useInteropLifecycle() kills every child after each test.
import { waitFor } from '../net/helpers.ts';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEER = fileURLToPath(new URL('./crc_peer.py', import.meta.url));

const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
export const NO_PYTHON = probe.error
  ? `python3 is not runnable (${probe.error.message})`
  : probe.status !== 0 ? `python3 --version exited with ${probe.status}` : '';

// ---- processes ----------------------------------------------------------------------------

export class Proc {
  stdout = '';
  stderr = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exit: Promise<void>;
  constructor(readonly child: ChildProcessWithoutNullStreams, readonly label: string) {
    child.stdout.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { this.stderr += s; });
    child.stdin.on('error', () => {}); // EPIPE if it already exited
    this.exit = new Promise((resolve) => child.on('close', (code, signal) => { this.exited = { code, signal }; resolve(); }));
  }
  /** Complete stdout lines so far. */
  lines(): string[] {
    const all = this.stdout.split('\n');
    all.pop();
    return all;
  }
  send(line: string): void {
    this.child.stdin.write(line + '\n');
  }
  async out(re: RegExp, ms = 5000): Promise<RegExpMatchArray> {
    return waitFor(() => this.stdout.match(re), ms, `${this.label} to print ${re}`);
  }
  dump(): string {
    return `--- ${this.label} (exit ${JSON.stringify(this.exited)})\nstdout:\n${this.stdout}stderr:\n${this.stderr}`;
  }
}

const running: Proc[] = [];

/** A process starting on a loaded machine (2 cores, several suites at once) can take many seconds: a bound, not a timing check. */
const START_MS = 30_000;

export function launch(cmd: string, args: string[], label: string): Proc {
  const p = new Proc(spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }), label);
  running.push(p);
  return p;
}


export const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
export const without = (xs: number[], ...drop: number[]) => xs.filter((x) => !drop.includes(x));

// ---- Python peers ---------------------------------------------------------------------------

export interface PyServerState {
  id: number;
  name: string;
  hosts_db: Record<string, { kind: 'server' | 'client'; name: string; info: string; first_link_id: number }>;
  adjacent_server_ids: number[];
  adjacent_user_ids: number[];
  status_updates_log: string[];
}
export interface PyClientState {
  connected_user_ids: number[];
  status_updates_log: string[];
  chat_messages_log: string[];
}

export class Py<S> {
  constructor(readonly proc: Proc, readonly port: number) {}
  /** Ask for STATE and read the next STATE line. */
  async state(): Promise<S> {
    const count = () => this.proc.lines().filter((l) => l.startsWith('STATE ')).length;
    const before = count();
    this.proc.send('STATE');
    await waitFor(() => count() > before || this.proc.exited, 3000, `${this.proc.label} STATE`);
    const line = this.proc.lines().filter((l) => l.startsWith('STATE ')).at(-1);
    if (!line || count() <= before) throw new Error(`${this.proc.label} exited before answering STATE`);
    return JSON.parse(line.slice('STATE '.length)) as S;
  }
  async until(pred: (s: S) => boolean, what: string, ms = 5000): Promise<S> {
    return waitFor(async () => { const s = await this.state(); return pred(s) ? s : undefined; }, ms, `${this.proc.label}: ${what}`);
  }
}

export async function pyServer(id: number, name: string, info: string, joinPort?: number): Promise<Py<PyServerState>> {
  const args = [PEER, 'server', '--id', String(id), '--servername', name, '--port', '0', '--info', info];
  if (joinPort !== undefined) args.push('--connect_to_port', String(joinPort));
  const proc = launch('python3', args, `py-server ${id} ${name}`);
  const m = await proc.out(/^READY (\d+)$/m, START_MS);
  return new Py(proc, Number(m[1]));
}

export async function pyClient(id: number, name: string, serverPort: number, info = `${name} info`): Promise<Py<PyClientState>> {
  const proc = launch('python3', [PEER, 'client', '--id', String(id), '--serverport', String(serverPort), '--username', name, '--info', info], `py-client ${id} ${name}`);
  const m = await proc.out(/^READY (\d+)$/m, START_MS);
  return new Py(proc, Number(m[1]));
}

/** struct.pack'ed bytes (hex) from the Python side, for byte comparisons. */
export function pyPack(...args: string[]): string {
  const r = spawnSync('python3', [PEER, 'pack', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`crc_peer.py pack ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

// ---- our commands -------------------------------------------------------------------------

export interface OurState {
  id: number;
  name: string;
  hosts: Array<{ id: number; kind: 'server' | 'client'; name: string; info: string; firstLinkId: number }>;
  adjacentServerIds: number[];
  adjacentUserIds: number[];
  statusLog: string[];
}

export class Ours {
  constructor(readonly proc: Proc, readonly port: number, readonly monitor: string) {}
  async state(): Promise<OurState> {
    return (await (await fetch(`${this.monitor}/state`)).json()) as OurState;
  }
  async until(pred: (s: OurState) => boolean, what: string, ms = 5000): Promise<OurState> {
    return waitFor(async () => { const s = await this.state(); return pred(s) ? s : undefined; }, ms, `${this.proc.label}: ${what}`);
  }
}

/** `extra`: more flags, e.g. ['--ping-interval', '100']. */
export async function ourServer(id: number, name: string, info: string, joinPort?: number, extra: string[] = []): Promise<Ours> {
  const args = ['bin/crc-server', '--id', String(id), '--servername', name, '--port', '0', '--info', info, '--monitor-port', '0', ...extra];
  if (joinPort !== undefined) args.push('--connect_to_host', '127.0.0.1', '--connect_to_port', String(joinPort));
  const proc = launch(process.execPath, args, `our-server ${id} ${name}`);
  const port = Number((await proc.out(/listening on 127\.0\.0\.1:(\d+)\n/, START_MS))[1]);
  const monitor = (await proc.out(/monitor on (http:\/\/127\.0\.0\.1:\d+)\/state/))[1]!;
  return new Ours(proc, port, monitor);
}

export async function ourClient(id: number, name: string, serverPort: number, info = `${name} info`, extra: string[] = []): Promise<Proc> {
  const proc = launch(process.execPath, ['bin/crc-client', '--id', String(id), '--serverhost', '127.0.0.1', '--serverport', String(serverPort), '--username', name, '--info', info, ...extra], `our-client ${id} ${name}`);
  await proc.out(/\* connected to 127\.0\.0\.1:\d+ as /, START_MS);
  return proc;
}

/** Our client's /who, as ids. */
export async function who(c: Proc): Promise<number[]> {
  const re = /^\* (known clients: .*|no other clients known)$/;
  const before = c.lines().filter((l) => re.test(l)).length;
  c.send('/who');
  await waitFor(() => c.lines().filter((l) => re.test(l)).length > before, 3000, `${c.label} /who`);
  const line = c.lines().filter((l) => re.test(l)).at(-1)!;
  return line.includes('no other') ? [] : sorted(line.replace('* known clients: ', '').split(', ').map(Number));
}

/** Wait for a new line of our client's output starting with `prefix`; return the whole line. */
export async function ourLine(c: Proc, prefix: string, ms = 5000): Promise<string> {
  return waitFor(() => c.lines().find((l) => l.startsWith(prefix)), ms, `${c.label} to print a line starting ${JSON.stringify(prefix)}`);
}

// ---- a capturing TCP relay: records the exact bytes each side receives ------------------------

export interface Capture {
  port: number;
  /** Bytes the upstream (our server) received from the dialler. */
  up(): Buffer;
  /** Bytes the dialler received from the upstream. */
  down(): Buffer;
  close(): Promise<void>;
}

const captures: Capture[] = [];

export async function capture(upstreamPort: number): Promise<Capture> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((a) => {
    const b = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [a, b]) { sockets.add(s); s.on('error', () => {}); s.setNoDelay(true); }
    a.on('data', (d: Buffer) => { up.push(d); b.write(d); });
    b.on('data', (d: Buffer) => { down.push(d); a.write(d); });
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const c: Capture = {
    port: (server.address() as net.AddressInfo).port,
    up: () => Buffer.concat(up),
    down: () => Buffer.concat(down),
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
  captures.push(c);
  return c;
}

// ---- lifecycle ------------------------------------------------------------------------------

/** Register the hooks every interop test file needs: the build is there, dumps on failure, every child killed. */
export function useInteropLifecycle(): void {
  beforeAll(() => {
    for (const f of ['dist/src/cli/crc-server.js', 'dist/src/cli/crc-client.js']) {
      if (!existsSync(new URL(f, `file://${ROOT}`))) throw new Error(`${f} is missing: run "npm run build" first`);
    }
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      for (const p of running) console.error(p.dump());
    });
  });

  afterEach(async () => {
    const procs = running.splice(0);
    for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exit));
    await Promise.all(captures.splice(0).map((c) => c.close()));
  });
}

export const WELCOME = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;
