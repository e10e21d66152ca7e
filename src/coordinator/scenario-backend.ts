// Scenario backend over the World: the servers in worker threads (K per worker) or, with
// placement 'processes', a crc-server process each; the clients in a client worker. Hosts are addressed by name, since scenarios may launch
// two hosts with one id on purpose (the duplicate-id scenarios).
import type { ClientLaunch, NetworkSnapshot, ScenarioBackend, ServerLaunch } from '../scenario/backend.ts';
import { waitForQuiet } from '../scenario/quiet.ts';
import type { ImplSpec } from '../topology/impl-spec.ts';
import { World } from './world.ts';

export interface WorkerBackendOptions {
  serversPerWorker?: number;
  /** Where the servers run: worker threads (default) or a crc-server process each. */
  placement?: 'workers' | 'processes';
  onCrash?: (message: string) => void;
  /** Every server foreign (run by its impl, e.g. a course folder): the check of a foreign implementation. */
  impl?: ImplSpec;
}

/** Foreign servers count no bytes: only their clients' show, so quiet is a longer stretch with no change. */
const FOREIGN_STILL_MS = 600;

export class WorkerBackend implements ScenarioBackend {
  private readonly world: World;
  private crash: string | undefined;
  /** What each launched id is, for the foreign placement's records it cannot classify itself. */
  private readonly kinds = new Map<number, 'server' | 'client'>();
  private readonly impl: ImplSpec | undefined;

  constructor(options: WorkerBackendOptions = {}) {
    this.impl = options.impl;
    this.world = new World({
      serversPerWorker: options.serversPerWorker,
      placement: options.placement,
      foreign: options.impl !== undefined,
      hostKind: (id) => this.kinds.get(id),
      eventTypes: [], // scenarios read final state, not events
      onCrash: (err) => {
        this.crash ??= err.message;
        options.onCrash?.(err.message);
      },
    });
  }

  async launchServer(spec: ServerLaunch): Promise<number> {
    this.kinds.set(spec.id, 'server');
    const port = this.impl
      // A foreign server's port is picked before it runs (none given: not 0), and one that joins nobody runs at once.
      ? await this.world.startServer({ id: spec.id, name: spec.name, info: spec.info, port: spec.port || undefined, impl: this.impl }, { joins: spec.joinPort !== undefined })
      : await this.world.startServer({ id: spec.id, name: spec.name, info: spec.info, port: spec.port, recordJoinFrames: true });
    if (spec.joinPort !== undefined) await this.world.joinServer(spec.name, { host: '127.0.0.1', port: spec.joinPort });
    return port;
  }

  async launchClient(spec: ClientLaunch): Promise<void> {
    this.kinds.set(spec.id, 'client');
    await this.world.startClient(spec);
  }

  async chat(client: string, to: number, text: string): Promise<void> {
    await this.world.call(client, `chat from ${client}`, (api, key) => api.chat(key, to, text));
  }

  async quit(client: string, text: string): Promise<void> {
    await this.world.call(client, `quit ${client}`, (api, key) => api.quit(key, text));
  }

  settle(): Promise<void> {
    return waitForQuiet(async () => {
      if (this.crash) throw new Error(this.crash);
      const t = await this.world.totals();
      return { bytesIn: t.bytesIn, bytesOut: t.bytesOut };
    }, this.impl ? { stillMs: FOREIGN_STILL_MS } : {});
  }

  async snapshot(): Promise<NetworkSnapshot> {
    const snap: NetworkSnapshot = { servers: {}, clients: {} };
    {
      const st = await this.world.states();
      for (const [name, s] of Object.entries(st.servers)) {
        snap.servers[name] = {
          hosts: s.hosts.map((h) => h.id), adjacentServers: s.adjacentServerIds, adjacentUsers: s.adjacentUserIds,
          statusLog: s.statusLog, joinFrames: s.joinFrames ?? [],
        };
      }
      for (const [name, c] of Object.entries(st.clients)) {
        snap.clients[name] = { users: c.connectedUserIds, statusLog: c.statusLog, chatLog: c.chatLog };
      }
    }
    return snap;
  }

  close(): Promise<void> {
    return this.world.stop();
  }
}
