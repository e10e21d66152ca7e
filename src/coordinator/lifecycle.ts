// Hosts coming and going, over the World, keeping the Ledger's idea of who is alive in step:
// bringing a topology up (every server listening first, then the proxies in front of the
// proxied links, then every join at once: the tree converges the same whatever order the
// registrations cross it in; with a foreign server in the tree, depth by depth, as it dials
// once; then the clients), crashes and restarts. What this does to the
// links' components is left to the Simulation facade, which alone tells the Ledger of it.
import type { LivenessSettings } from '../core/index.ts';
import type { ClientSpec, ServerSpec, Topology } from '../topology/schema.ts';
import { observedOf } from '../topology/impl-spec.ts';
import type { Ledger } from './ledger.ts';
import type { Links } from './links.ts';
import type { World } from './world.ts';

export interface BootTimings {
  /** spawn and listen */
  listenMs: number;
  joinMs: number;
  clientsMs: number;
  startMs: number;
}

export interface Network {
  world: World;
  links: Links;
  ledger: Ledger;
  topology: Topology;
  /** Servers re-dial a lost bootstrap link. */
  reconnect: boolean;
  /** Clients re-dial their server, and register again, when their connection drops unasked. */
  clientReconnect: boolean;
  /** Every server's ping interval and timeout (ms); interval 0: no liveness. */
  liveness: LivenessSettings;
  /** Every server's registration and SendQ timeouts (ms); absent: the servers' defaults. */
  timeouts: { registrationTimeoutMs?: number; sendqTimeoutMs?: number };
  /** The name of a host by id (hosts added after start included). */
  nameOf: (id: number) => string;
  joinDeadlineMs?: number;
  /** Servers report every frame on their server links (frame-sent / frame-received); 'control': all but chats. */
  traceFrames?: boolean | 'control';
}

/**
 * Start server `s` listening (in a thread of its own with `ownWorker`); the ledger expects it
 * from now on. The ledger takes it first: what the server reports while it starts counts. A
 * server someone else restarted early (external placement) holds what it learned since its
 * boot, and those events can arrive in the same read as /events' response, before start resolves.
 */
export async function startServer(net: Network, s: ServerSpec, { ownWorker = false, port }: { ownWorker?: boolean; port?: number } = {}): Promise<number> {
  const { intervalMs: pingIntervalMs, timeoutMs: pingTimeoutMs } = net.liveness;
  net.ledger.addServer(s.id, { observed: observedOf(s.impl) !== 'black-box' });
  try {
    return await net.world.startServer({ id: s.id, name: s.name, info: s.info, port, reconnect: net.reconnect, pingIntervalMs, pingTimeoutMs, traceFrames: net.traceFrames, ...net.timeouts, impl: s.impl }, { ownWorker, joins: s.join !== undefined });
  } catch (err) {
    net.ledger.remove(s.id);
    throw err;
  }
}

/** Join `s` to its bootstrap (through the link's proxy if it has one); resolves with when its registration left. */
export function joinServer(net: Network, s: ServerSpec): Promise<number> {
  const at = net.links.dialAddress(s.id, s.join!) ?? net.world.address(net.nameOf(s.join!));
  if (at === undefined) throw new Error(`server ${s.name} joins ${s.join}, which is not running`);
  return net.world.joinServer(s.name, at, net.joinDeadlineMs);
}

/** Attach client `c` to its (running) server and register it; resolves with when its registration left. */
export async function startClient(net: Network, c: ClientSpec): Promise<number> {
  const serverAt = net.world.address(net.nameOf(c.server));
  if (serverAt === undefined || !net.ledger.liveServers.has(c.server)) throw new Error(`client ${c.name} attaches to server ${c.server}, which is not running`);
  if (net.ledger.isLive(c.id)) throw new Error(`id ${c.id} is already in use`);
  net.ledger.addClient(c.id, c.server);
  const at = await net.links.clientAddress(c.id, c.server, serverAt);
  return net.world.startClient({ id: c.id, name: c.name, info: c.info, serverHost: at.host, serverPort: at.port, reconnect: net.clientReconnect });
}

export async function boot(net: Network, onProgress?: (phase: string, done: number, total: number) => void): Promise<BootTimings> {
  const t0 = performance.now();
  const { servers, clients } = net.topology;
  let done = 0;
  // Placement is decided in order, before the first await: servers fill workers K at a time.
  await Promise.all(servers.map(async (s) => {
    await startServer(net, s);
    onProgress?.('listen', ++done, servers.length);
  }));
  const listenMs = performance.now() - t0;

  for (const s of servers) {
    if (s.join === undefined) continue;
    await net.links.addServerLink(s.id, s.join, net.world.address(net.nameOf(s.join))!);
  }

  const t1 = performance.now();
  done = 0;
  const joining = servers.filter((s) => s.join !== undefined);
  // A foreign (course) server dials its bootstrap once and never retries: with any in the
  // tree, join depth by depth, so every parent already runs (ours retry: all at once).
  for (const wave of anyForeign(net.topology) ? depthWaves(servers) : [joining]) {
    await Promise.all(wave.map(async (s) => {
      await joinServer(net, s);
      onProgress?.('join', ++done, joining.length);
    }));
  }
  const joinMs = performance.now() - t1;

  const t2 = performance.now();
  done = 0;
  await Promise.all(clients.map(async (c) => {
    await startClient(net, c);
    onProgress?.('clients', ++done, clients.length);
  }));
  const clientsMs = performance.now() - t2;
  return { listenMs, joinMs, clientsMs, startMs: performance.now() - t0 };
}

/** Does any server run a foreign impl (not ours)? */
export const anyForeign = (t: Pick<Topology, 'servers'>): boolean => t.servers.some((s) => s.impl !== undefined);

/** The joining servers by depth in the tree (depth 1 first); the root is not in any. */
export function depthWaves(servers: readonly ServerSpec[]): ServerSpec[][] {
  const depth = new Map<number, number>();
  const waves: ServerSpec[][] = [];
  for (const s of servers) {
    // A topology lists every server after the one it joins (schema.ts), so its parent's depth is known.
    const d = s.join === undefined ? 0 : depth.get(s.join)! + 1;
    depth.set(s.id, d);
    if (d > 0) (waves[d - 1] ??= []).push(s);
  }
  return waves;
}

/**
 * Crash server `id`: its worker thread is terminated abruptly, so its sockets close as a
 * killed process's would; every server sharing that thread goes down with it, and their
 * clients are cut off too. Resolves with the ids of the servers that went down and the
 * clients that were on them.
 */
export async function crashServer(net: Network, id: number): Promise<{ servers: number[]; clients: Array<{ id: number; server: number }> }> {
  if (!net.ledger.liveServers.has(id)) throw new Error(`crash: no running server with id ${id}`);
  const servers = net.world.colocated(net.nameOf(id)).map((h) => h.id);
  const clients: Array<{ id: number; server: number }> = [];
  for (const sid of servers) {
    for (const c of net.ledger.clientsOf(sid)) {
      net.ledger.remove(c);
      clients.push({ id: c, server: sid });
    }
    net.ledger.remove(sid);
  }
  await net.world.crash(net.nameOf(id));
  await net.links.rehomeOrphans();
  return { servers, clients };
}

/** Start crashed server `s` again in a thread of its own, on the same port: servers that joined it re-dial it. */
export async function restartServer(net: Network, s: ServerSpec): Promise<void> {
  if (net.ledger.liveServers.has(s.id) || !net.world.has(s.name)) throw new Error(`restart: server ${s.id} has not crashed`);
  await startServer(net, s, { ownWorker: true, port: net.world.port(s.name) });
}
