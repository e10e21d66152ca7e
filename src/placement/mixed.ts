// A network of ours and foreign servers: ours on the chosen base placement (workers or
// processes), each server with an impl on ForeignServers; every call goes to the one that
// started the server, by name. The link proxies are the base placement's (a foreign dialler
// has no thread of ours: its proxies run in the network thread).
import type { ProxyEvent } from '../faults/events.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ByteTotals, HostedServerSpec, ServerCounters } from '../threads/worker-api.ts';
import type { ForeignServers } from './foreign.ts';
import type { Address, LinkNetwork, ServerHost } from './types.ts';

export class MixedServers implements ServerHost {
  constructor(private readonly ours: ServerHost, private readonly foreign: ForeignServers) {}

  get kind() { return this.ours.kind; }
  get workers() { return this.ours.workers; }

  private hostOf(name: string): ServerHost {
    return this.foreign.has(name) ? this.foreign : this.ours;
  }

  start(spec: HostedServerSpec, options: { ownWorker: boolean; joins?: boolean }): Promise<Address> {
    if (spec.impl) return this.foreign.start(spec, options);
    if (this.foreign.has(spec.name)) throw new Error(`${spec.name} ran as a foreign server: it cannot come back as ours`);
    return this.ours.start(spec, options);
  }

  join(name: string, target: Address, deadlineMs?: number): Promise<number> { return this.hostOf(name).join(name, target, deadlineMs); }
  crash(name: string): Promise<void> { return this.hostOf(name).crash(name); }
  alive(name: string): boolean { return this.hostOf(name).alive(name); }
  colocated(name: string): string[] { return this.hostOf(name).colocated(name); }
  state(name: string): Promise<ServerState> { return this.hostOf(name).state(name); }
  counters(name: string): Promise<ServerCounters> { return this.hostOf(name).counters(name); }

  async totals(): Promise<ByteTotals> {
    const [a, b] = await Promise.all([this.ours.totals(), this.foreign.totals()]);
    return { bytesIn: a.bytesIn + b.bytesIn, bytesOut: a.bytesOut + b.bytesOut, pending: a.pending + b.pending };
  }

  async states(): Promise<Record<string, ServerState>> {
    const [a, b] = await Promise.all([this.ours.states(), this.foreign.states()]);
    return { ...a, ...b };
  }

  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork { return this.ours.links(onEvents); }

  async stop(): Promise<void> {
    await Promise.all([this.ours.stop(), this.foreign.stop()]);
  }
}
