// The link proxies of the hosts placement: each made in the node process of the server that
// dials the link (there, in that server's thread or a network thread, as ProxyPlacement says:
// worker-links.ts), clients' proxies in the first process; every later call goes to the
// process that made it, over its one channel.
import type { ProxyEvent } from '../faults/events.ts';
import type { FaultChange, FaultReply, LinkFaultState } from '../faults/fault-state.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import type { ProxyStats } from '../faults/proxy.ts';
import type { ToxicInfo } from '../faults/toxic.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { HostProcess } from './host-process.ts';
import type { Address, LinkNetwork, ProxyRole } from './types.ts';

interface Hosts {
  readonly processes: readonly HostProcess[];
  processOf(server: string): HostProcess | undefined;
}

export class HostLinks implements LinkNetwork {
  /** Which process made each proxy (one entry per link: bounded by the topology). */
  private readonly home = new Map<string, HostProcess>();

  constructor(private readonly hosts: Hosts, readonly onEvents: (events: ProxyEvent[]) => void) {}

  private of(name: string): HostProcess {
    const p = this.home.get(name);
    if (!p) throw new Error(`no proxy named ${name}`);
    return p;
  }

  async addProxy(name: string, target: Address, role: ProxyRole): Promise<Address> {
    const proc = this.hosts.processOf(role.child) ?? this.hosts.processes[0]!;
    await proc.ready;
    const address = await proc.call('addProxy', [name, target, role]);
    this.home.set(name, proc);
    return address;
  }

  change(name: string, change: FaultChange): Promise<FaultReply> { return this.of(name).call('change', [name, change]); }
  toxics(name: string): Promise<ToxicInfo[]> { return this.of(name).call('toxics', [name]); }
  stats(name: string): Promise<ProxyStats> { return this.of(name).call('stats', [name]); }
  timerLateness(name: string, reset = false): Promise<LatenessStats> { return this.of(name).call('timerLateness', [name, reset]); }

  async lateness(from: number, to: number): Promise<ThreadLateness[]> {
    const all = await Promise.all(this.hosts.processes.filter((p) => p.alive).map((p) => p.call('linkLateness', [from, to]).catch(() => [])));
    return all.flat();
  }

  /** Each live process re-makes its proxies whose thread died, with the faults Links kept. */
  async rehomeOrphans(faultsOf: (name: string) => LinkFaultState | undefined): Promise<void> {
    await Promise.all(this.hosts.processes.filter((p) => p.alive).map((proc) => {
      const faults: Record<string, LinkFaultState | undefined> = {};
      for (const [name, p] of this.home) if (p === proc) faults[name] = faultsOf(name);
      return proc.call('rehome', [faults]);
    }));
  }

  /** The processes stop their own proxies (HostServers.stop). */
  async stop(): Promise<void> {}
}
