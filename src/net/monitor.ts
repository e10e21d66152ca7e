// HTTP monitoring port, like a NATS server's: GET /state (JSON) and GET /metrics (Prometheus
// text format), and with a ControlApi its routes too (control-api.ts). Bound to 127.0.0.1
// unless told otherwise. It must never hurt the server it watches: /state
// carries at most the last `limit` status lines and is written in slices, yielding to the
// event loop between them, and any error becomes an HTTP 500, never an exit.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlApi } from './control-api.ts';
import type { CrcServerNode } from './server-node.ts';

/** Status lines in /state: `?limit=` picks up to MAX; DEFAULT without it. */
export const STATE_STATUS_LINES = { default: 100, max: 1000 } as const;
/** And at most this much JSON of them: the newest lines that fit (a line may be 64 KiB, escaped six-fold). */
export const STATE_STATUS_BYTES = 8 * 1024 * 1024;
/** About this many bytes of JSON per write, so no single turn of the event loop runs long. */
const SLICE_BYTES = 256 * 1024;

export function metricsText(node: CrcServerNode): string {
  const c = node.counters;
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
  };
  const byType = c.byType();
  const server = `server_id="${node.id}"`;
  const one = (name: string, type: 'counter' | 'gauge', help: string, v: number) => metric(name, type, help, [[`{${server}}`, v]]);
  metric('crc_messages_received_total', 'counter', 'Frames received, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.msgsIn]));
  metric('crc_messages_sent_total', 'counter', 'Frames sent, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.msgsOut]));
  metric('crc_message_bytes_received_total', 'counter', 'Bytes of frames received, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.bytesIn]));
  metric('crc_message_bytes_sent_total', 'counter', 'Bytes of frames sent, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.bytesOut]));
  one('crc_bytes_received_total', 'counter', 'Bytes read from sockets.', c.bytesIn);
  one('crc_bytes_sent_total', 'counter', 'Bytes queued to sockets.', c.bytesOut);
  one('crc_chats_routed_total', 'counter', 'Chats forwarded by their header straight from the read (the fast path).', c.chatsRouted);
  const conns = node.connectionCounts();
  metric('crc_connections', 'gauge', 'Open connections, by peer kind.',
    (['server', 'client', 'pending'] as const).map((k) => [`{${server},peer="${k}"}`, conns[k]]));
  one('crc_connections_opened_total', 'counter', 'Connections opened (accepted or dialled).', node.connectionsOpened);
  one('crc_decode_errors_total', 'counter', 'Connections closed for a bad frame.', c.decodeErrors);
  one('crc_protocol_errors_total', 'counter', 'Frames rejected by the protocol rules (spoofed source, bad registration).', node.protocolErrors);
  one('crc_known_hosts', 'gauge', 'Hosts in this server\'s table.', node.core.hostCount);
  const core = node.core;
  const rules = core.counters;
  one('crc_max_hosts', 'gauge', 'Hosts the table may hold (--max-hosts).', core.limits.maxHosts);
  one('crc_registrations_refused_total', 'counter', 'Registrations refused because the host table was full.', rules.registrationsRefused);
  one('crc_status_log_size', 'gauge', 'Status log entries kept (--status-log-size).', core.limits.statusLogSize);
  one('crc_status_log_dropped_total', 'counter', 'Oldest status log entries dropped to make room.', core.statusLogDropped);
  one('crc_statuses_rejected_total', 'counter', 'Statuses for this server not logged: source not behind their connection.', rules.statusesRejected);
  one('crc_chats_invalid_utf8_total', 'counter', 'Chats from server links not delivered to a client: text not UTF-8.', rules.chatsInvalidUtf8);
  one('crc_loops_broken_total', 'counter', 'Server links closed because a registration over them made a cycle.', rules.loopsBroken);
  one('crc_registration_echoes_total', 'counter', 'A server\'s own registration again on its own link after the join: ignored.', rules.echoesIgnored);
  one('crc_registration_repeats_total', 'counter', 'Hosts announced again by the server they are known through: ignored.', rules.repeatsIgnored);
  connectionLimitMetrics(node, one, metric);
  return lines.join('\n') + '\n';
}

type Sample = (name: string, type: 'counter' | 'gauge', help: string, v: number) => void;
type Samples = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) => void;

/** The connection limits, back-pressure and partial frames (see server-limits.ts and flow-control.ts). */
function connectionLimitMetrics(node: CrcServerNode, one: Sample, metric: Samples): void {
  const l = node.connectionLimits;
  const lc = node.guard.counters;
  const server = `server_id="${node.id}"`;
  one('crc_max_connections', 'gauge', 'Open connections allowed (--max-connections).', l.maxConnections);
  one('crc_connections_refused_total', 'counter', 'Accepted connections closed at once: the connection limit was reached.', lc.connectionsRefused);
  one('crc_max_unregistered', 'gauge', 'Unregistered connections allowed (--max-unregistered).', l.maxUnregistered);
  one('crc_unregistered_evicted_total', 'counter', 'Unregistered connections closed, oldest first, to make room for a new one.', lc.unregisteredEvicted);
  one('crc_registration_timeouts_total', 'counter', 'Connections closed for not registering in time (--registration-timeout-ms).', lc.registrationTimeouts);
  one('crc_frame_timeouts_total', 'counter', 'Connections closed for an unfinished frame that stopped growing (--frame-timeout-ms).', lc.frameTimeouts);
  metric('crc_sendq_exceeded_total', 'counter', 'Connections closed for their send queue: past --max-sendq (limit), or not drained within --sendq-timeout-ms (stalled).',
    [[`{${server},reason="limit"}`, lc.sendqOverLimit], [`{${server},reason="stalled"}`, lc.sendqStalled]]);
  const flow = node.flow;
  one('crc_reads_paused_total', 'counter', 'Times a connection stopped being read because it fed a send queue past high water.', flow.counts.readPauses);
  one('crc_server_link_reads_paused_total', 'counter', 'Of those, times it was a server link (all traffic over it waits).', flow.counts.serverLinkPauses);
  one('crc_send_budget_exceeded_total', 'counter', 'Times all send queues together passed --send-budget and every read was held.', flow.counts.budgetPauses);
  one('crc_send_budget_bytes', 'gauge', 'Send queue bytes all connections may hold together (--send-budget).', l.sendBudgetBytes);
  const q = node.queueStats();
  one('crc_send_queue_bytes', 'gauge', 'Bytes in send queues now (ours and the sockets\' buffers).', q.queuedBytes);
  one('crc_send_queues_congested', 'gauge', 'Connections whose send queue is past high water now.', flow.congestedCount);
  metric('crc_connections_reads_held', 'gauge', 'Connections not being read now (back-pressure or the budget), by peer kind.',
    (['server', 'client', 'pending'] as const).map((k) => [`{${server},peer="${k}"}`, q.held[k]]));
  one('crc_partial_frame_bytes', 'gauge', 'Bytes of unfinished frames held now.', q.partialBytes);
  one('crc_partial_frame_buffer_bytes', 'gauge', 'Bytes allocated to hold them.', q.partialCapacity);
}

export interface MonitorOptions {
  /** Address to bind (default 127.0.0.1; 0.0.0.0 in a pod, so the coordinator can reach it). */
  host?: string;
  /** The control API (control-api.ts), tried before /state and /metrics. */
  control?: ControlApi;
}

export async function startMonitor(node: CrcServerNode, port: number, log?: (line: string) => void, options: MonitorOptions = {}): Promise<{ port: number; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    serve(node, req, res, options.control).catch((err: Error) => {
      log?.(`monitor: ${req.url}: ${err.message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error: ${err.message}\n`);
      else res.destroy(); // mid-body: cut it short so the client sees it incomplete
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`monitor cannot listen on ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function serve(node: CrcServerNode, req: http.IncomingMessage, res: http.ServerResponse, control?: ControlApi): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://monitor');
  if (control && await control.handle(req, res, url)) return;
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET' }).end('method not allowed\n');
  } else if (url.pathname === '/state') {
    const limit = statusLimit(url.searchParams.get('limit'));
    if (typeof limit === 'string') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${limit}\n`);
      return;
    }
    await writeState(node, res, limit);
  } else if (url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText(node) + (control?.metricsText() ?? ''));
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try /state, /metrics${control ? ', /health, /events' : ''}\n`);
  }
}

/** The `?limit=` value, or the reason it is not one. */
function statusLimit(raw: string | null): number | string {
  if (raw === null) return STATE_STATUS_LINES.default;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > STATE_STATUS_LINES.max) return `limit must be an integer from 0 to ${STATE_STATUS_LINES.max}, got '${raw}'`;
  return n;
}

/**
 * The /state document: id, name, hosts, adjacentServerIds, adjacentUserIds and the newest
 * `limit` status lines (as many as fit STATE_STATUS_BYTES). Its parts are taken at once (one
 * consistent picture; host records are never changed, so holding them is enough), then
 * written in slices of about SLICE_BYTES.
 */
async function writeState(node: CrcServerNode, res: http.ServerResponse, limit: number): Promise<void> {
  const core = node.core;
  const hosts = core.hostsSnapshot();
  const servers = core.adjacentServerIds();
  const users = core.adjacentUserIds();
  const statusLog = core.statusUpdates(limit);
  res.writeHead(200, { 'content-type': 'application/json' });
  const out = new SlicedWriter(res);
  await out.write(`${JSON.stringify({ id: core.id, name: core.name }).slice(0, -1)},"hosts":[`);
  await out.items(hosts, (h) => ({ id: h.id, kind: h.kind, name: h.name, info: h.info, firstLinkId: h.firstLinkId }),
    (h) => 80 + h.name.length + h.info.length);
  await out.write(`],"adjacentServerIds":${JSON.stringify(servers)},"adjacentUserIds":${JSON.stringify(users)},"statusLog":[`);
  await out.joined(await newestThatFit(statusLog, STATE_STATUS_BYTES));
  res.end(']}');
}

/** The JSON of the newest `lines` whose total fits `budget` bytes, oldest first; yields as it goes. */
async function newestThatFit(lines: readonly string[], budget: number): Promise<string[]> {
  const kept: string[] = [];
  let bytes = 0;
  let sinceYield = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const json = JSON.stringify(lines[i]);
    if (bytes + json.length + 1 > budget) break;
    kept.push(json);
    bytes += json.length + 1;
    sinceYield += json.length;
    if (sinceYield >= SLICE_BYTES) {
      sinceYield = 0;
      await new Promise((r) => setImmediate(r));
    }
  }
  return kept.reverse();
}

/** Writes a JSON body in slices, waiting for the socket to drain and yielding between them. */
class SlicedWriter {
  constructor(private readonly res: http.ServerResponse) {}

  async write(text: string): Promise<void> {
    if (this.res.destroyed) throw new Error('the client went away');
    if (this.res.write(text)) {
      await new Promise((r) => setImmediate(r));
    } else {
      await new Promise<void>((r) => {
        const done = () => {
          this.res.off('drain', done).off('close', done);
          r();
        };
        this.res.on('drain', done).on('close', done);
      });
    }
  }

  /** Already-serialized JSON values, comma-separated, `SLICE_BYTES` or so at a time. */
  async joined(values: readonly string[]): Promise<void> {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < values.length; i++) {
      bytes += values[i]!.length;
      if (bytes >= SLICE_BYTES || i === values.length - 1) {
        await this.write(`${start === 0 ? '' : ','}${values.slice(start, i + 1).join(',')}`);
        start = i + 1;
        bytes = 0;
      }
    }
  }

  /** The elements of a JSON array (no brackets), `SLICE_BYTES` or so at a time. */
  async items<T>(all: readonly T[], toJson: (item: T) => unknown, size: (item: T) => number): Promise<void> {
    let batch: unknown[] = [];
    let bytes = 0;
    let first = true;
    const emit = async () => {
      const text = JSON.stringify(batch).slice(1, -1);
      await this.write(first ? text : `,${text}`);
      first = false;
      batch = [];
      bytes = 0;
    };
    for (const item of all) {
      batch.push(toJson(item));
      bytes += size(item);
      if (bytes >= SLICE_BYTES) await emit();
    }
    if (batch.length > 0) await emit();
  }
}
