// HTTP monitoring port, like a NATS server's: GET /state (JSON) and GET /metrics (Prometheus
// text format). Bound to 127.0.0.1 only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrcServerNode } from './server-node.ts';

export function metricsText(node: CrcServerNode): string {
  const c = node.counters;
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
  };
  const byType = c.byType();
  const server = `server_id="${node.id}"`;
  metric('crc_messages_received_total', 'counter', 'Frames received, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.msgsIn]));
  metric('crc_messages_sent_total', 'counter', 'Frames sent, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.msgsOut]));
  metric('crc_message_bytes_received_total', 'counter', 'Bytes of frames received, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.bytesIn]));
  metric('crc_message_bytes_sent_total', 'counter', 'Bytes of frames sent, by message type.',
    byType.map((t) => [`{${server},type="${t.type}"}`, t.bytesOut]));
  metric('crc_bytes_received_total', 'counter', 'Bytes read from sockets.', [[`{${server}}`, c.bytesIn]]);
  metric('crc_bytes_sent_total', 'counter', 'Bytes queued to sockets.', [[`{${server}}`, c.bytesOut]]);
  const conns = node.connectionCounts();
  metric('crc_connections', 'gauge', 'Open connections, by peer kind.',
    (['server', 'client', 'pending'] as const).map((k) => [`{${server},peer="${k}"}`, conns[k]]));
  metric('crc_connections_opened_total', 'counter', 'Connections opened (accepted or dialled).', [[`{${server}}`, node.connectionsOpened]]);
  metric('crc_decode_errors_total', 'counter', 'Connections closed for a bad frame.', [[`{${server}}`, c.decodeErrors]]);
  metric('crc_protocol_errors_total', 'counter', 'Frames rejected by the protocol rules (spoofed source, bad registration).', [[`{${server}}`, node.protocolErrors]]);
  metric('crc_known_hosts', 'gauge', 'Hosts in this server\'s table.', [[`{${server}}`, node.core.hostCount]]);
  return lines.join('\n') + '\n';
}

export async function startMonitor(node: CrcServerNode, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end('method not allowed\n');
    } else if (path === '/state') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stateJson(node)));
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText(node));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /state or /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`monitor cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The /state document: exactly the fields the issue names. */
export function stateJson(node: CrcServerNode) {
  const s = node.state();
  return {
    id: s.id,
    name: s.name,
    hosts: s.hosts,
    adjacentServerIds: s.adjacentServerIds,
    adjacentUserIds: s.adjacentUserIds,
    statusLog: s.statusLog,
  };
}
