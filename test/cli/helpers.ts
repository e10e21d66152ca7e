// Spawning the BUILT commands (bin/ -> dist/) as child processes. Not a test file itself.
// Build first: npm run build.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../net/helpers.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function requireBuild(): void {
  for (const f of ['dist/src/cli/crc-server.js', 'dist/src/cli/crc-client.js']) {
    if (!existsSync(new URL(f, `file://${ROOT}`))) {
      throw new Error(`${f} is missing: run "npm run build" before the CLI tests`);
    }
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Proc {
  stdout = '';
  stderr = '';
  exited: Exit | undefined;
  readonly exit: Promise<Exit>;
  readonly startedAt = Date.now();
  constructor(readonly child: ChildProcessWithoutNullStreams, readonly label: string) {
    child.stdout.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { this.stderr += s; });
    child.stdin.on('error', () => {}); // EPIPE if it exits while we write
    this.exit = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
  }

  /** Wait for stdout to match; returns the match. */
  async out(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    try {
      return await waitFor(() => this.stdout.match(re) ?? (this.exited ? Promise.reject(new Error('process exited')) : null), timeoutMs, `${this.label} stdout ${re}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${this.label} stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}\n--- exit: ${JSON.stringify(this.exited)}`);
    }
  }

  send(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  /** Wait for exit, with a bound. */
  async exitWithin(timeoutMs = 5000): Promise<Exit> {
    await waitFor(() => this.exited, timeoutMs, `${this.label} to exit\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`);
    return this.exited!;
  }
}

const running = new Set<Proc>();

/** The commands: bin/ entry points, and the npm scripts' built entry points. */
const ENTRY = {
  'crc-server': 'bin/crc-server',
  'crc-client': 'bin/crc-client',
  'crc-scenario': 'bin/crc-scenario',
  sim: 'dist/src/cli/sim.js',
  experiment: 'dist/src/cli/experiment.js',
} as const;

export function run(command: keyof typeof ENTRY, args: string[], label: string = command): Proc {
  const child = spawn(process.execPath, [ENTRY[command], ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  const p = new Proc(child, label);
  running.add(p);
  void p.exit.then(() => running.delete(p));
  return p;
}

/** For afterEach: kill every child still running and wait for it to go. */
export async function killAll(): Promise<void> {
  const procs = [...running];
  for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exit));
}

/** Spawn a crc-server on port 0 and read back its port. */
export async function startServer(args: string[], label = 'crc-server'): Promise<{ proc: Proc; port: number; ms: number }> {
  const proc = run('crc-server', ['--port', '0', ...args], label);
  const m = await proc.out(/listening on 127\.0\.0\.1:(\d+)\n/);
  return { proc, port: Number(m[1]), ms: Date.now() - proc.startedAt };
}
