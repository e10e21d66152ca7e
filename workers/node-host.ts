// A worker thread hosting CRC servers (one or, with --servers-per-worker K, several) or
// simulated clients, on real TCP ports. The coordinator controls it over comlink; events
// go back in batches over a raw MessagePort.
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import v8 from 'node:v8';
import { EventBatcher } from '../src/coordinator/event-batcher.ts';
import { DigestKeeper } from '../src/coordinator/knowledge-digest.ts';
import type { ByteTotals, HostedClientSpec, HostedServerSpec, NodeHostApi, ServerCounters, SimEvent, WorkerData } from '../src/threads/worker-api.ts';
import { CrcClientNode, type ClientState } from '../src/net/client-node.ts';
import { runTraffic } from '../src/coordinator/client-traffic.ts';
import type { NodeEvent } from '../src/net/events.ts';
import { nowMs } from '../src/util/clock.ts';
import { CrcServerNode, type ServerState } from '../src/net/server-node.ts';
import { Comlink, nodeEndpoint } from '../src/util/comlink-node.ts';
import type { ProxyEvent } from '../src/faults/events.ts';
import { proxyTable } from '../src/faults/proxy-table.ts';
import { startThreadProbe } from '../src/util/host-lateness-board.ts';

const data = workerData as WorkerData;
// How late this thread runs (one probe per thread, not per server): what excuses a timed check
// that a late worker, not a slow network, made miss (experiment/host-lateness.ts).
const { probe: lateness, board } = startThreadProbe(data.latenessBoard);
// Its servers' liveness reads the host's other threads' lateness too (a late peer is not a dead one).
const hostLateness = board ? (from: number) => board.worstSince(from) : undefined;
const events = new EventBatcher<SimEvent>(data.events, data.eventTypes);
// The proxies of the links this thread's servers dial (placement 'dialler'), their events on
// the same port as `proxyEvents`.
const proxyEvents = new EventBatcher<ProxyEvent>(data.events, 'all', 'proxyEvents');
const proxies = proxyTable(data.label, (e) => proxyEvents.push(e));
// With knowledge 'digest', learned and forgotten hosts are folded into a digest per node
// instead of streamed one by one (knowledge-digest.ts).
const digests = data.knowledge === 'digest' ? new DigestKeeper((e) => events.push(e)) : undefined;
const flushEvents = () => {
  digests?.flush();
  events.flush();
  proxyEvents.flush();
};
function emitter(node: number) {
  if (!events.enabled) return undefined;
  return (event: NodeEvent, t: number) => {
    if (digests?.fold(node, event as { type: string; id?: number }, t)) return;
    if (events.wants(event.type)) events.push({ ...event, t, node } as SimEvent);
  };
}

const servers = new Map<string, CrcServerNode>();
const clients = new Map<string, CrcClientNode>();
const logLines: string[] = [];
const log = (line: string) => {
  logLines.push(line);
  if (logLines.length > 1000) logLines.splice(0, logLines.length - 1000);
};

function server(key: string): CrcServerNode {
  const s = servers.get(key);
  if (!s) throw new Error(`${data.label}: no server '${key}' here`);
  return s;
}
function client(key: string): CrcClientNode {
  const c = clients.get(key);
  if (!c) throw new Error(`${data.label}: no client '${key}' here`);
  return c;
}

const api: NodeHostApi = {
  ...proxies.api,
  /** Start listening (no join yet). Resolves with the port. */
  async startServer(key: string, spec: HostedServerSpec): Promise<number> {
    if (servers.has(key)) throw new Error(`${data.label}: server '${key}' is already running`);
    const node = new CrcServerNode({
      id: spec.id, name: spec.name, info: spec.info, port: spec.port ?? 0,
      recordJoinFrames: spec.recordJoinFrames, reconnect: spec.reconnect, connectTo: spec.connectTo,
      maxQueueBytes: spec.maxQueueBytes, registrationTimeoutMs: spec.registrationTimeoutMs, sendqTimeoutMs: spec.sendqTimeoutMs, pingIntervalMs: spec.pingIntervalMs, pingTimeoutMs: spec.pingTimeoutMs, traceFrames: spec.traceFrames,
      log, onEvent: emitter(spec.id), hostLateness,
    });
    servers.set(key, node);
    try {
      await node.start();
    } catch (err) {
      servers.delete(key);
      throw err;
    }
    return node.port;
  },
  /** Dial the bootstrap; resolves with the time the registration was handed to the socket. */
  async joinServer(key: string, target: { host: string; port: number }, deadlineMs?: number): Promise<number> {
    await server(key).join(target, deadlineMs);
    return nowMs();
  },
  async stopServer(key: string): Promise<void> {
    const s = servers.get(key);
    servers.delete(key);
    await s?.stop();
    if (s) digests?.reset(s.id, nowMs());
  },
  /** Connect and register; resolves with the time the registration was queued (ms, epoch). */
  async startClient(key: string, spec: HostedClientSpec): Promise<number> {
    const previous = clients.get(key);
    // A client that quit or was cut off keeps its state for reading until it rejoins; one
    // still re-dialling stops, so that only the new one comes back.
    if (previous?.state().connected) throw new Error(`${data.label}: client '${key}' is already running`);
    await previous?.disconnect();
    digests?.reset(spec.id, nowMs());
    const node = new CrcClientNode({
      id: spec.id, name: spec.name, info: spec.info, serverHost: spec.serverHost, serverPort: spec.serverPort, reconnect: spec.reconnect, log, onEvent: emitter(spec.id),
    });
    clients.set(key, node);
    try {
      await node.connect();
    } catch (err) {
      if (previous) clients.set(key, previous);
      else clients.delete(key);
      throw err;
    }
    return node.registeredAt;
  },
  chat(key: string, to: number, text: string): void {
    client(key).chat(to, text);
  },
  /** Send a quit and close; resolves with the time the quit was handed to the socket. */
  async quit(key: string, text: string): Promise<number> {
    const c = client(key);
    const closed = c.quit(text);
    const sentAt = c.quitSentAt;
    await closed;
    return sentAt;
  },
  /** Drop the connection without a quit; resolves with the time it was cut. */
  async disconnect(key: string): Promise<number> {
    const c = client(key);
    const at = nowMs();
    await c.disconnect();
    return at;
  },
  /**
   * Steady chat traffic from client `key` to `to`: `rate` chats per second for `durationMs`,
   * generated here so the coordinator does no per-message work. Each chat's text starts with
   * "<seq> <send time in ms>" so deliveries can be matched and timed from the receiver's events.
   * It goes on through re-dials and restarts of the client (coordinator/client-traffic.ts). Resolves with
   * how many were sent.
   */
  async traffic(key: string, to: number, rate: number, size: number, durationMs: number, tag = 't'): Promise<{ sent: number }> {
    client(key); // a client that does not exist here is an error now, not a silent zero
    return runTraffic(() => clients.get(key), { to, rate, size, durationMs, tag });
  },
  serverState(key: string): ServerState {
    return server(key).state();
  },
  clientState(key: string): ClientState {
    return client(key).state();
  },
  states(): { servers: Record<string, ServerState>; clients: Record<string, ClientState> } {
    const out = { servers: {} as Record<string, ServerState>, clients: {} as Record<string, ClientState> };
    for (const [k, s] of servers) out.servers[k] = s.state();
    for (const [k, c] of clients) out.clients[k] = c.state();
    return out;
  },
  /** Bytes sent and received by every node here, for "is anything in flight?" checks. */
  totals(): ByteTotals {
    const t = { bytesIn: 0, bytesOut: 0, pending: 0 };
    for (const s of servers.values()) {
      t.bytesIn += s.counters.bytesIn;
      t.bytesOut += s.counters.bytesOut;
      t.pending += s.pendingBytes();
    }
    for (const c of clients.values()) {
      t.bytesIn += c.counters.bytesIn;
      t.bytesOut += c.counters.bytesOut;
      t.pending += c.pendingBytes();
    }
    return t;
  },
  counters(key: string): ServerCounters {
    const s = server(key);
    return { ...s.counters.totals(), byType: s.counters.byType(), protocolErrors: s.protocolErrors, connections: s.connectionCounts(), pending: s.pendingBytes(), flow: { ...s.flow.counts } };
  },
  /** Cut the link from server `key` to adjacent host `peer` (both sides see it close). */
  cutLink(key: string, peer: number, how: 'close' | 'reset' = 'close'): boolean {
    const c = server(key).connectionTo(peer);
    if (!c) return false;
    if (how === 'reset') c.reset('link cut by the coordinator');
    else c.destroy('link cut by the coordinator');
    return true;
  },
  heap(): { used: number; total: number } {
    // Live bytes, not garbage waiting for a collection, when the process runs with --expose-gc.
    (globalThis as { gc?: () => void }).gc?.();
    const h = v8.getHeapStatistics();
    return { used: h.used_heap_size, total: h.total_heap_size };
  },
  logs(): string[] {
    return [...logLines];
  },
  flushEvents(): void {
    flushEvents();
  },
  /** For tests of crash reporting: throw from a timer, as a bug in a node would. */
  crashForTest(message: string): void {
    setTimeout(() => {
      throw new Error(message);
    }, 0);
  },
  stallForTest(ms: number): void {
    setTimeout(() => {
      const until = nowMs() + ms;
      while (nowMs() < until) { /* busy: the thread is late on purpose */ }
    }, 0);
  },
  lateness(from: number, to: number) {
    return lateness.around(from, to);
  },
  async stopAll(): Promise<void> {
    await Promise.all([...clients.values()].map((c) => c.disconnect()));
    await Promise.all([...servers.values()].map((s) => s.stop()));
    clients.clear();
    servers.clear();
    await proxies.stopAll();
    flushEvents();
  },
};

Comlink.expose(api, nodeEndpoint(parentPort! as never));
// Loaded and listening: the coordinator times calls from now (worker-handle.ts).
data.events.postMessage({ ready: true });
