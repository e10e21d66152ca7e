// The control API on a crc-server's monitor port: what a coordinator in another process (or
// another pod) needs to drive the server, over HTTP. Kept small; every route is in the table
// below and in docs/placements.md. GETs read, POSTs act:
//   GET  /health        200 {"ok":true,name,id,boot,port}: boot is unique per process start
//   GET  /events        NDJSON stream of events stamped `t` (ms since epoch) and `node`; ?types=a,b
//   GET  /node-state    the server's full state (as a worker's serverState: join frames included)
//   GET  /counters      traffic counters, connections, bytes pending
//   GET  /totals        {bytesIn, bytesOut, pending}: is anything in flight?
//   GET  /lateness      ?from=&to= (ms since epoch) -> {maxMs, summary}: this process's timer lateness
//   POST /join          {host, port, deadlineMs?} -> {t}: dial a bootstrap and register
//   POST /stop          graceful: quits sent (farewell.ts), sockets closed, then the process exits 0
//   POST /crash         exit at once, nothing sent (like kill -9)
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { nowMs } from '../util/clock.ts';
import type { LatenessProbe } from '../util/lateness-probe.ts';
import type { EventStream } from './event-stream.ts';
import type { CrcServerNode } from './server-node.ts';

/** Request bodies are small JSON objects; anything bigger is refused. */
const MAX_BODY_BYTES = 64 * 1024;

export interface ControlHooks {
  /** Graceful stop: close the node and the monitor, then exit 0. */
  stop(): Promise<void>;
  /** Exit at once (default: SIGKILL ourselves). */
  crash?(): void;
  /** This process's timer lateness (GET /lateness; absent: the route answers 404). */
  lateness?: LatenessProbe;
}

export class ControlApi {
  /** Unique per process start: a restart under Kubernetes shows as a new boot. */
  readonly boot = `${process.pid}-${randomUUID()}`;
  private stopping = false;

  constructor(private readonly node: CrcServerNode, private readonly events: EventStream, private readonly hooks: ControlHooks) {}

  /** Serve `url` if it is one of ours; false to let the monitor try its own routes. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /health':
        json(res, 200, { ok: true, name: this.node.core.name, id: this.node.id, boot: this.boot, port: this.node.port });
        return true;
      case 'GET /events':
        this.stream(req, res, url);
        return true;
      case 'GET /node-state':
        json(res, 200, this.node.state());
        return true;
      case 'GET /counters': {
        const n = this.node;
        json(res, 200, { ...n.counters.totals(), byType: n.counters.byType(), protocolErrors: n.protocolErrors, connections: n.connectionCounts(), pending: n.pendingBytes() });
        return true;
      }
      case 'GET /totals':
        json(res, 200, { bytesIn: this.node.counters.bytesIn, bytesOut: this.node.counters.bytesOut, pending: this.node.pendingBytes() });
        return true;
      case 'GET /lateness': {
        const [from, to] = [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))];
        if (!this.hooks.lateness) json(res, 404, { error: 'lateness: this server samples none' });
        else if (!Number.isFinite(from) || !Number.isFinite(to)) json(res, 400, { error: 'lateness: from and to must be numbers (ms since the epoch)' });
        else json(res, 200, this.hooks.lateness.around(from, to));
        return true;
      }
      case 'POST /join':
        await this.join(req, res);
        return true;
      case 'POST /stop':
        json(res, 202, { ok: true, stopping: true });
        if (!this.stopping) {
          this.stopping = true;
          res.once('finish', () => void this.hooks.stop());
        }
        return true;
      case 'POST /crash':
        json(res, 202, { ok: true, crashing: true });
        res.once('finish', () => (this.hooks.crash ?? (() => process.kill(process.pid, 'SIGKILL')))());
        return true;
      default:
        if (['/health', '/events', '/node-state', '/counters', '/totals', '/lateness'].includes(url.pathname) || ['/join', '/stop', '/crash'].includes(url.pathname)) {
          res.writeHead(405, { 'content-type': 'text/plain' }).end(`method not allowed: ${route}\n`);
          return true;
        }
        return false;
    }
  }

  /** Prometheus lines for the event stream's bounds (appended to /metrics). */
  metricsText(): string {
    const c = this.events.counters;
    const server = `server_id="${this.node.id}"`;
    const one = (name: string, type: string, help: string, v: number) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name}{${server}} ${v}\n`;
    return one('crc_event_subscribers', 'gauge', 'Subscribers to GET /events now.', this.events.subscriberCount)
      + one('crc_event_subscribers_dropped_total', 'counter', 'Subscribers to /events dropped for falling too far behind.', c.subscribersDropped)
      + one('crc_event_subscribers_refused_total', 'counter', 'Subscribers to /events refused: too many at once.', c.subscribersRefused)
      + one('crc_event_backlog_dropped_total', 'counter', 'Start-up events dropped before the first subscriber: the backlog was full.', c.backlogDropped)
      + one('crc_events_sent_total', 'counter', 'Events written to /events subscribers.', c.eventsSent);
  }

  private stream(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const types = url.searchParams.get('types')?.split(',').map((s) => s.trim()).filter(Boolean);
    const remove = this.events.subscribe({
      write: (chunk) => res.write(chunk),
      buffered: () => res.writableLength,
      drop: () => res.destroy(),
    }, types);
    if (typeof remove === 'string') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`${remove}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.once('close', remove);
  }

  private async join(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (typeof body === 'string') return void json(res, 400, { error: body });
    const { host, port, deadlineMs } = body as { host?: unknown; port?: unknown; deadlineMs?: unknown };
    if (typeof host !== 'string' || host === '') return void json(res, 400, { error: 'join: host must be a non-empty string' });
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) return void json(res, 400, { error: 'join: port must be an integer from 1 to 65535' });
    if (deadlineMs !== undefined && (!Number.isInteger(deadlineMs) || (deadlineMs as number) < 0)) return void json(res, 400, { error: 'join: deadlineMs must be a non-negative integer' });
    try {
      await this.node.join({ host, port: port as number }, deadlineMs as number | undefined);
      json(res, 200, { t: nowMs() });
    } catch (err) {
      json(res, 502, { error: `join ${host}:${port}: ${(err as Error).message}` });
    }
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The request's JSON body (at most MAX_BODY_BYTES), or why it is not one. */
async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return `body over ${MAX_BODY_BYTES} bytes`;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const v = JSON.parse(text || '{}') as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : 'body must be a JSON object';
  } catch {
    return 'body is not JSON';
  }
}
