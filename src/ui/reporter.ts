// What the simulator shows while it runs. The plain printer below writes lines (fine for a
// pipe or CI): start-up, the summary, one status line a second while it runs, and a final
// summary; the terminal dashboard (ui/dashboard/) shows the same snapshots live.
import type { Snapshot } from './dashboard/state.ts';
import { bytes, clock, count } from './dashboard/view/format.ts';

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
  ports: Array<{ id: number; name: string; port: number; impl?: string }>;
}

export interface SimReporter {
  progress(phase: string, done: number, total: number): void;
  summary(s: SimSummary): void;
  info(line: string): void;
  /** Once a second while it runs. */
  status(s: Snapshot): void;
  /** When it stops: how the run went. */
  final(s: Snapshot): void;
  crash(message: string): void;
  close(): void;
}

function convergence(s: Snapshot): string {
  if (s.converged === undefined) return 'convergence unknown';
  return s.converged ? 'converged' : `converging (${s.differing} nodes differ)`;
}

function linkCounts(s: Snapshot): string {
  const n = new Map<string, number>();
  for (const r of s.rows) if (r.link) n.set(r.link.state, (n.get(r.link.state) ?? 0) + 1);
  return [...n].map(([state, k]) => `${k} ${state}`).join(', ') || 'none';
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
      ...s.ports.map((p) => `  ${String(p.id).padStart(6)}  ${p.name.padEnd(16)} 127.0.0.1:${p.port}${p.impl ? `  ${p.impl}` : ''}`),
    ];
    if (s.ports.length < s.servers) lines.push(`  … and ${s.servers - s.ports.length} more`);
    const first = s.ports[0];
    if (first) lines.push(`attach a client: ./bin/crc-client --id 999 --serverhost 127.0.0.1 --serverport ${first.port} --username you --info hi`);
    this.out.write(lines.join('\n') + '\n');
  }

  info(line: string): void {
    this.out.write(line + '\n');
  }

  status(s: Snapshot): void {
    const up = s.rows.filter((r) => r.kind === 'server' && r.up).length;
    const servers = s.rows.filter((r) => r.kind === 'server').length;
    this.out.write(`${clock(s.elapsedMs)}  ${convergence(s)}  servers ${up}/${servers} up  msgs/s in ${count(s.totals.inRate)} out ${count(s.totals.outRate)}  queued ${bytes(s.totals.pending)}  delivered/s ${count(s.throughput.at(-1) ?? 0)}  load ${s.load.on ? `${s.load.flows}x${s.load.rate}/s` : 'off'}  links: ${linkCounts(s)}\n`);
  }

  final(s: Snapshot): void {
    const peak = Math.max(0, ...s.throughput);
    this.out.write([
      `ran           ${clock(s.elapsedMs)} (seed ${s.seed})`,
      `at the end    ${convergence(s)}; links: ${linkCounts(s)}`,
      `chats         ${s.totals.delivered} delivered${s.load.sent ? ` (${s.load.sent} sent by the background load)` : ''}, peak ${count(peak)}/s`,
    ].join('\n') + '\n');
  }

  crash(message: string): void {
    process.stderr.write(`CRASH: ${message}\n`);
  }

  close(): void {}
}
