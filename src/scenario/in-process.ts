// Scenario backend with every server and client in this thread, on real TCP sockets.
import { CrcClientNode } from '../net/client-node.ts';
import type { TrafficCounters } from '../net/counters.ts';
import { CrcServerNode } from '../net/server-node.ts';
import type { ClientLaunch, NetworkSnapshot, ScenarioBackend, ServerLaunch } from './backend.ts';
import { waitForQuiet } from './quiet.ts';

export class InProcessBackend implements ScenarioBackend {
  private readonly servers = new Map<string, CrcServerNode>();
  private readonly clients = new Map<string, CrcClientNode>();

  constructor(private readonly log?: (line: string) => void) {}

  async launchServer(spec: ServerLaunch): Promise<number> {
    const node = new CrcServerNode({
      id: spec.id, name: spec.name, info: spec.info, port: spec.port,
      connectTo: spec.joinPort === undefined ? undefined : { host: '127.0.0.1', port: spec.joinPort },
      recordJoinFrames: true,
      log: this.log,
    });
    this.servers.set(spec.name, node);
    return node.start();
  }

  async launchClient(spec: ClientLaunch): Promise<void> {
    const node = new CrcClientNode({ id: spec.id, name: spec.name, info: spec.info, serverPort: spec.serverPort, log: this.log });
    this.clients.set(spec.name, node);
    await node.connect();
  }

  async chat(client: string, to: number, text: string): Promise<void> {
    this.client(client).chat(to, text);
  }

  async quit(client: string, text: string): Promise<void> {
    await this.client(client).quit(text);
  }

  settle(): Promise<void> {
    return waitForQuiet(() => {
      let out = 0;
      let inn = 0;
      const add = (c: TrafficCounters) => {
        out += c.bytesOut;
        inn += c.bytesIn;
      };
      for (const s of this.servers.values()) add(s.counters);
      for (const c of this.clients.values()) add(c.counters);
      return { bytesOut: out, bytesIn: inn };
    });
  }

  async snapshot(): Promise<NetworkSnapshot> {
    const snap: NetworkSnapshot = { servers: {}, clients: {} };
    for (const [name, s] of this.servers) {
      const st = s.state();
      snap.servers[name] = {
        hosts: st.hosts.map((h) => h.id),
        adjacentServers: st.adjacentServerIds,
        adjacentUsers: st.adjacentUserIds,
        statusLog: st.statusLog,
        joinFrames: st.joinFrames ?? [],
      };
    }
    for (const [name, c] of this.clients) {
      const st = c.state();
      snap.clients[name] = { users: st.connectedUserIds, statusLog: st.statusLog, chatLog: st.chatLog };
    }
    return snap;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.disconnect()));
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
  }

  private client(name: string): CrcClientNode {
    const c = this.clients.get(name);
    if (!c) throw new Error(`no client named '${name}'`);
    return c;
  }
}
