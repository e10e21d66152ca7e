// Scenario backend on the in-memory network: the same cores as the TCP nodes, no sockets, no
// timers, and the same result on every run. Ports are only names here: each server gets a
// unique made-up one so joinPort / serverPort find it. Operations only queue; settle()
// delivers until nothing is in flight, which is what the TCP backends wait for.
import type { ClientLaunch, NetworkSnapshot, ScenarioBackend, ServerLaunch } from '../scenario/backend.ts';
import { MemoryNet } from './net.ts';

export interface MemoryBackendOptions {
  /** deliver seeded-random chunks instead of whole writes (see MemoryNetOptions) */
  chunkSeed?: number;
}

export class MemoryBackend implements ScenarioBackend {
  /** The network itself, still inspectable after close(). */
  readonly net: MemoryNet;
  private readonly serverAtPort = new Map<number, string>();
  private nextPort = 1;

  constructor(options: MemoryBackendOptions = {}) {
    // No trace: a scenario reads final state only, and a long one would keep every frame.
    this.net = new MemoryNet({ chunkSeed: options.chunkSeed, trace: false });
    this.net.paused = true;
  }

  async launchServer(spec: ServerLaunch): Promise<number> {
    const port = this.claimPort(spec);
    this.net.addServer(spec.id, spec.name, spec.info);
    if (spec.joinPort !== undefined) this.net.link(spec.name, this.serverAt(spec.joinPort));
    return port;
  }

  async launchClient(spec: ClientLaunch): Promise<void> {
    this.net.addClient(spec.id, spec.name, spec.info, this.serverAt(spec.serverPort));
  }

  async chat(client: string, to: number, text: string): Promise<void> {
    this.net.chat(client, to, text);
  }

  async quit(client: string, text: string): Promise<void> {
    this.net.quit(client, text);
  }

  async settle(): Promise<void> {
    this.net.run();
  }

  async snapshot(): Promise<NetworkSnapshot> {
    const snap: NetworkSnapshot = { servers: {}, clients: {} };
    for (const s of this.net.servers()) {
      snap.servers[s.name] = {
        hosts: s.core.knownHosts().map((h) => h.id),
        adjacentServers: s.core.adjacentServerIds(),
        adjacentUsers: s.core.adjacentUserIds(),
        statusLog: s.core.statusUpdates(),
        joinFrames: [...s.joinFrames],
      };
    }
    for (const c of this.net.clients()) {
      snap.clients[c.name] = { users: c.core.connectedUserIds(), statusLog: c.core.statusUpdates(), chatLog: c.core.chatMessages() };
    }
    return snap;
  }

  /** Nothing to release: no sockets, no timers. */
  async close(): Promise<void> {}

  private claimPort(spec: ServerLaunch): number {
    let port = spec.port;
    if (port === 0) {
      while (this.serverAtPort.has(this.nextPort)) this.nextPort++;
      port = this.nextPort;
    } else if (this.serverAtPort.has(port)) {
      throw new Error(`server ${spec.id} (${spec.name}) cannot take port ${port}: ${this.serverAtPort.get(port)} has it`);
    }
    this.serverAtPort.set(port, spec.name);
    return port;
  }

  private serverAt(port: number): string {
    const name = this.serverAtPort.get(port);
    if (name === undefined) throw new Error(`no server on port ${port} in the in-memory network`);
    return name;
  }
}
