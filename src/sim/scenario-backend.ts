// Scenarios (src/scenario/) on the sim: the same sim servers and clients as --placement sim,
// on a virtual clock, joined by in-memory connections. Ports are sim ports (a scenario's own
// numbers are kept, 0 takes the next free one). settle() runs the clock until no timer is left:
// with no liveness and no re-dials, that is when nothing is in flight anywhere.
import type { ClientLaunch, NetworkSnapshot, ScenarioBackend, ServerLaunch } from '../scenario/backend.ts';
import { VirtualClock } from '../util/virtual-clock.ts';
import { SimClient } from './client.ts';
import { SimPorts } from './ports.ts';
import { SimServer } from './server.ts';

/** settle() gives up after this many clock steps (a scenario that never goes quiet). */
const MAX_SETTLE_STEPS = 10_000_000;

const turn = () => new Promise<void>((r) => setImmediate(r));

export class SimBackend implements ScenarioBackend {
  readonly clock = new VirtualClock();
  private readonly ports = new SimPorts(this.clock);
  private readonly servers = new Map<string, SimServer>();
  private readonly clients = new Map<string, SimClient>();

  async launchServer(spec: ServerLaunch): Promise<number> {
    let server: SimServer;
    try {
      server = new SimServer({ id: spec.id, name: spec.name, info: spec.info, port: spec.port || undefined, recordJoinFrames: true, onEvent: () => {} }, this.ports, this.clock);
    } catch (err) {
      throw new Error(`server ${spec.id} (${spec.name}): ${(err as Error).message}`);
    }
    this.servers.set(spec.name, server);
    if (spec.joinPort !== undefined) await server.join(spec.joinPort, 0);
    return server.port;
  }

  async launchClient(spec: ClientLaunch): Promise<void> {
    const client = new SimClient({ id: spec.id, name: spec.name, info: spec.info, serverPort: spec.serverPort, reconnect: false, onEvent: () => {} }, this.ports, this.clock);
    this.clients.set(spec.name, client);
    client.connect();
  }

  async chat(client: string, to: number, text: string): Promise<void> {
    this.client(client).chat(to, text);
  }

  async quit(client: string, text: string): Promise<void> {
    this.client(client).quit(text);
  }

  async settle(): Promise<void> {
    await turn();
    for (let steps = 0; this.clock.step(); steps++) {
      if (steps >= MAX_SETTLE_STEPS) throw new Error(`sim: not quiet after ${MAX_SETTLE_STEPS} clock steps (a timer loop?)`);
      await turn();
    }
  }

  async snapshot(): Promise<NetworkSnapshot> {
    const snap: NetworkSnapshot = { servers: {}, clients: {} };
    for (const [name, s] of this.servers) {
      snap.servers[name] = {
        hosts: s.core.knownHosts().map((h) => h.id), adjacentServers: s.core.adjacentServerIds(), adjacentUsers: s.core.adjacentUserIds(),
        statusLog: s.core.statusUpdates(), joinFrames: [...s.joinFrames],
      };
    }
    for (const [name, c] of this.clients) {
      snap.clients[name] = { users: c.core.connectedUserIds(), statusLog: c.core.statusUpdates(), chatLog: c.core.chatMessages() };
    }
    return snap;
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) c.stop();
    for (const s of this.servers.values()) s.crash();
  }

  private client(name: string): SimClient {
    const c = this.clients.get(name);
    if (!c) throw new Error(`no client named ${name} in the sim network`);
    return c;
  }
}
