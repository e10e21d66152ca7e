// What the dashboard needs of a running simulation (the Simulation facade has all of it; tests
// pass a fake), and the reads that bring it into the dashboard's state: what each node knows
// against what it should, each link's fault state, and once a second every server's counters.
import type { LinkControl, LinkInfo } from '../../coordinator/simulation.ts';
import type { ServerCounters } from '../../threads/worker-api.ts';
import type { ClientSpec, Topology } from '../../topology/schema.ts';
import type { DashboardState } from './state.ts';

export interface DashboardSim {
  readonly topology: Topology;
  port(serverId: number): number;
  linkList(): LinkInfo[];
  link(a: number, b: number): Pick<LinkControl, 'faults' | 'add' | 'remove' | 'down' | 'up' | 'hold' | 'release'>;
  counters(id: number): Promise<Pick<ServerCounters, 'msgsIn' | 'msgsOut' | 'pending'>>;
  knownBy(node: number): ReadonlySet<number>;
  expectedOf(node: number): number[];
  isConverged(): boolean;
  crash(id: number): Promise<number[]>;
  restart(id: number): Promise<void>;
  quit(clientId: number, text?: string): Promise<number>;
  disconnect(clientId: number): Promise<number>;
  addClient(c: ClientSpec): Promise<number>;
  traffic(from: number, to: number, rate: number, size: number, durationMs: number, tag?: string): Promise<{ sent: number }>;
}

/** Big networks: reading every node's knowledge is O(nodes²); do it at most once a second there. */
const BIG = 200;

export class SimReader {
  private lastKnowledgeRead = 0;

  constructor(private readonly sim: DashboardSim, private readonly state: DashboardState) {}

  /** Once, when the network is up: ports and links. */
  started(): void {
    const ports = new Map<number, number>();
    for (const s of this.sim.topology.servers) ports.set(s.id, this.sim.port(s.id));
    this.state.started(ports, this.sim.linkList());
  }

  /** Every frame: whatever the events since the last one may have changed. */
  refresh(now: number): void {
    if (this.state.linksDirty) {
      this.state.linksDirty = false;
      for (const l of this.state.linkList()) if (l.proxy) this.state.setLinkFaults(l.child, l.parent, this.sim.link(l.child, l.parent).faults());
    }
    const big = this.state.rows.length > BIG;
    if (this.state.knowledgeDirty && (!big || now - this.lastKnowledgeRead >= 1000)) {
      this.state.knowledgeDirty = false;
      this.lastKnowledgeRead = now;
      let differing = 0;
      for (const r of this.state.rows) {
        if (!this.state.isUp(r.id)) continue;
        const known = this.sim.knownBy(r.id);
        const expected = this.sim.expectedOf(r.id);
        const converged = known.size === expected.length && expected.every((id) => known.has(id));
        if (!converged) differing++;
        this.state.setKnowledge(r.id, known.size, expected.length, converged);
      }
      this.state.setConvergence(this.sim.isConverged(), differing, now);
    }
  }

  /** Once a second: every live server's counters; one that does not answer has none. */
  async sample(now: () => number): Promise<void> {
    const servers = this.sim.topology.servers.filter((s) => this.state.isUp(s.id));
    const got = await Promise.all(servers.map((s) => this.sim.counters(s.id).catch(() => undefined)));
    this.state.sample(now(), new Map(servers.map((s, i) => [s.id, got[i]])));
  }
}
