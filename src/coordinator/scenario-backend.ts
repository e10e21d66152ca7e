// Scenario backend with each server in its own worker thread (the coordinator's placement)
// and the clients in a client worker. Hosts are addressed by name, since scenarios may
// launch two hosts with one id on purpose (the duplicate-id scenarios).
import type { ClientLaunch, NetworkSnapshot, ScenarioBackend, ServerLaunch } from '../scenario/backend.ts';
import { waitForQuiet } from '../scenario/quiet.ts';
import { WorkerHandle } from './worker-handle.ts';

export interface WorkerBackendOptions {
  serversPerWorker?: number;
  onCrash?: (message: string) => void;
}

export class WorkerBackend implements ScenarioBackend {
  private readonly workers: WorkerHandle[] = [];
  private readonly servers = new Map<string, WorkerHandle>();
  private readonly clients = new Map<string, WorkerHandle>();
  private clientHost: WorkerHandle | undefined;
  private crash: string | undefined;

  constructor(private readonly options: WorkerBackendOptions = {}) {}

  private spawn(label: string): WorkerHandle {
    const h = new WorkerHandle({
      label,
      eventTypes: [], // scenarios read final state, not events
      onCrash: (_h, err) => {
        this.crash ??= err.message;
        this.options.onCrash?.(err.message);
      },
    });
    this.workers.push(h);
    return h;
  }

  async launchServer(spec: ServerLaunch): Promise<number> {
    const k = this.options.serversPerWorker ?? 1;
    const last = this.workers.findLast((w) => w.label.startsWith('servers-'));
    const h = last && last.hosts.length < k ? last : this.spawn(`servers-${this.workers.length + 1}`);
    h.hosts.push(spec.name);
    this.servers.set(spec.name, h);
    const port = await h.call(`start server ${spec.name}`, (api) => api.startServer(spec.name, { id: spec.id, name: spec.name, info: spec.info, port: spec.port, recordJoinFrames: true }));
    if (spec.joinPort !== undefined) {
      await h.call(`join ${spec.name}`, (api) => api.joinServer(spec.name, { host: '127.0.0.1', port: spec.joinPort! }));
    }
    return port;
  }

  async launchClient(spec: ClientLaunch): Promise<void> {
    this.clientHost ??= this.spawn('clients');
    this.clientHost.hosts.push(spec.name);
    this.clients.set(spec.name, this.clientHost);
    await this.clientHost.call(`start client ${spec.name}`, (api) => api.startClient(spec.name, spec));
  }

  async chat(client: string, to: number, text: string): Promise<void> {
    await this.client(client).call(`chat from ${client}`, (api) => api.chat(client, to, text));
  }

  async quit(client: string, text: string): Promise<void> {
    await this.client(client).call(`quit ${client}`, (api) => api.quit(client, text));
  }

  settle(): Promise<void> {
    return waitForQuiet(async () => {
      if (this.crash) throw new Error(this.crash);
      const all = await Promise.all(this.workers.map((w) => w.call('totals', (api) => api.totals())));
      return all.reduce((a, t) => ({ bytesIn: a.bytesIn + t.bytesIn, bytesOut: a.bytesOut + t.bytesOut }), { bytesIn: 0, bytesOut: 0 });
    });
  }

  async snapshot(): Promise<NetworkSnapshot> {
    const snap: NetworkSnapshot = { servers: {}, clients: {} };
    for (const w of this.workers) {
      const st = await w.call('snapshot', (api) => api.states());
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

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  private client(name: string): WorkerHandle {
    const h = this.clients.get(name);
    if (!h) throw new Error(`no client named '${name}'`);
    return h;
  }
}
