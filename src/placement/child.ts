// One child process we started (a crc-server, or the crc-proxy): spawned with piped stdio,
// its stdout read line by line until the lines we wait for appear (the ports it bound), its
// stderr kept as a bounded tail for error messages. Every live child is killed when this
// process exits or is told to stop (SIGINT/SIGTERM): no orphans. The child also watches its
// stdin (--exit-on-stdin-close) so that even a kill -9 of this process takes it down.
import { type ChildProcess, spawn } from 'node:child_process';

/** Bytes of stderr kept per child (the newest). */
export const STDERR_TAIL_BYTES = 16 * 1024;
/** Lines of stdout searched for the start-up lines, at most. */
const STDOUT_LINES_SEEN = 200;

const live = new Set<Child>();
let hooked = false;

/** Kill every child still alive, at once (exit handlers cannot wait). */
function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // Someone else handles it (a graceful stop; the exit hook kills what is left): leave it to them.
      if (process.listenerCount(signal) > 0) return;
      // We took the default action away by listening: kill the children, then die of it anyway.
      killAll();
      process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

export class ChildExit extends Error {
  override readonly name = 'ChildExit';
}

export interface ChildOptions {
  label: string;
  command: string;
  args: string[];
  /** Called once if it exits without being asked (kill() or stop()). */
  onExit?: (error: ChildExit) => void;
  /** Added to (or overriding) this process's environment. */
  env?: Record<string, string>;
  /** Open an IPC channel (structured-clone serialization) as fd 3: `process.send` / 'message'. */
  ipc?: boolean;
}

export class Child {
  readonly label: string;
  readonly process: ChildProcess;
  private stderr = '';
  private readonly lines: string[] = [];
  private lineBuffer = '';
  private readonly waiters = new Set<() => void>();
  private expected = false;
  private exitInfo: string | undefined;
  readonly exited: Promise<string>;

  constructor(private readonly options: ChildOptions) {
    hookExit();
    this.label = options.label;
    this.process = spawn(options.command, options.args, {
      stdio: options.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
      serialization: options.ipc ? 'advanced' : undefined,
      env: options.env ? { ...process.env, ...options.env } : undefined,
    });
    live.add(this);
    this.process.stdout!.setEncoding('utf8').on('data', (s: string) => this.onStdout(s));
    this.process.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-STDERR_TAIL_BYTES);
    });
    this.process.stdin!.on('error', () => {}); // the child may be gone
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        live.delete(this);
        this.exitInfo = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        for (const w of this.waiters) w();
        if (!this.expected) this.options.onExit?.(new ChildExit(`${this.label} ${this.exitInfo}${this.tail()}`));
        resolve(this.exitInfo);
      });
      this.process.once('error', (err) => {
        live.delete(this);
        this.exitInfo ??= `could not start: ${err.message}`;
        for (const w of this.waiters) w();
        resolve(this.exitInfo);
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last lines of its stderr, for error messages ('' when it wrote none). */
  tail(): string {
    const t = this.stderr.trimEnd();
    return t ? `; its stderr ends:\n${t.split('\n').slice(-15).join('\n')}` : '';
  }

  private onStdout(s: string): void {
    this.lineBuffer += s;
    let nl: number;
    while ((nl = this.lineBuffer.indexOf('\n')) >= 0) {
      if (this.lines.length < STDOUT_LINES_SEEN) this.lines.push(this.lineBuffer.slice(0, nl));
      this.lineBuffer = this.lineBuffer.slice(nl + 1);
    }
    if (this.lineBuffer.length > 64 * 1024) this.lineBuffer = ''; // no newline in 64 KiB: not a line we wait for
    for (const w of this.waiters) w();
  }

  /** The first stdout line matching each pattern: the match, in order; rejects on exit or timeout, with the stderr tail. */
  waitForLines(patterns: RegExp[], timeoutMs: number): Promise<RegExpMatchArray[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.label} did not start within ${timeoutMs} ms${this.tail()}`)), timeoutMs);
      const check = () => {
        const found = patterns.map((p) => this.lines.map((l) => l.match(p)).find((m) => m) ?? null);
        if (found.every((m) => m)) return done(undefined, found as RegExpMatchArray[]);
        if (!this.alive) done(new Error(`${this.label} ${this.exitInfo} before it was ready${this.tail()}`));
      };
      const done = (err?: Error, found?: RegExpMatchArray[]) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(found!);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Send a signal; its exit is then expected (no onExit). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.expected = true;
    if (this.alive) this.process.kill(signal);
  }

  /** The next exit is expected (asked for over HTTP, say). */
  expectExit(): void {
    this.expected = true;
  }

  /** Wait up to `ms` for it to exit; then kill it. */
  async waitOrKill(ms: number): Promise<void> {
    this.expected = true;
    if (!this.alive) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => { timer = setTimeout(r, ms); });
    await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (this.alive) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}
