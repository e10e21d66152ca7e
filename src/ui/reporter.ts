// What the simulator shows while it runs. The plain printer below writes lines (fine for a
// pipe or CI); a terminal dashboard can implement the same interface.

export interface SimSummary {
  topology: string;
  servers: number;
  clients: number;
  serverWorkers: number;
  clientWorkers: number;
  serversPerWorker: number;
  /** ms from the first worker spawn to the last node started */
  startMs: number;
  /** ms from the first worker spawn until every node knew every host it should */
  convergeMs: number;
  rssBytes: number;
  /** the first servers' ids, names and ports, so a user can attach a client */
  ports: Array<{ id: number; name: string; port: number }>;
}

export interface SimReporter {
  progress(phase: string, done: number, total: number): void;
  summary(s: SimSummary): void;
  info(line: string): void;
  crash(message: string): void;
  close(): void;
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export class PlainReporter implements SimReporter {
  private lastLine = 0;
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  progress(phase: string, done: number, total: number): void {
    // At most a line every 500 ms per phase, plus the last one.
    const now = Date.now();
    if (done !== total && now - this.lastLine < 500) return;
    this.lastLine = now;
    this.out.write(`${phase}: ${done}/${total}\n`);
  }

  summary(s: SimSummary): void {
    const lines = [
      `topology      ${s.topology}`,
      `servers       ${s.servers} in ${s.serverWorkers} worker threads (${s.serversPerWorker} per worker)`,
      `clients       ${s.clients}${s.clientWorkers ? ` in ${s.clientWorkers} client worker thread${s.clientWorkers > 1 ? 's' : ''}` : ''}`,
      `started in    ${s.startMs.toFixed(0)} ms`,
      `converged in  ${s.convergeMs.toFixed(0)} ms (every server knows every host, every client every client)`,
      `memory        ${mb(s.rssBytes)} resident, ${mb(s.rssBytes / Math.max(1, s.servers))} per server`,
      'servers:',
      ...s.ports.map((p) => `  ${String(p.id).padStart(6)}  ${p.name.padEnd(16)} 127.0.0.1:${p.port}`),
    ];
    if (s.ports.length < s.servers) lines.push(`  … and ${s.servers - s.ports.length} more`);
    const first = s.ports[0];
    if (first) lines.push(`attach a client: ./bin/crc-client --id 999 --serverhost 127.0.0.1 --serverport ${first.port} --username you --info hi`);
    this.out.write(lines.join('\n') + '\n');
  }

  info(line: string): void {
    this.out.write(line + '\n');
  }

  crash(message: string): void {
    process.stderr.write(`CRASH: ${message}\n`);
  }

  close(): void {}
}
