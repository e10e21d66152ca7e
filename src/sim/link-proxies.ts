// The sim's link proxies, as a LinkNetwork (placement/types.ts), so the coordinator's Links
// drives them exactly as it drives real ones: each is the real LinkProxy (src/faults/proxy.ts)
// in memory on the sim's clock, listening on a sim port (a dial there is proxy.connect()) and
// dialling its target's sim port for each connection. Every toxic and link fault (down cut /
// silent per direction, refusals while cut, hold / release) is the real code, with its events.
import type { ProxyEvent } from '../faults/events.ts';
import { type FaultChange, type FaultReply, applyChange } from '../faults/fault-state.ts';
import { LinkProxy, type ProxyStats } from '../faults/proxy.ts';
import type { ToxicInfo } from '../faults/toxic.ts';
import type { Address, LinkNetwork, ProxyRole } from '../placement/types.ts';
import { type SimPorts, SIM_HOST } from './ports.ts';

export class SimLinkProxies implements LinkNetwork {
  private readonly proxies = new Map<string, LinkProxy>();

  constructor(private readonly ports: SimPorts, private readonly onEvents: (events: ProxyEvent[]) => void) {}

  private get(name: string): LinkProxy {
    const p = this.proxies.get(name);
    if (!p) throw new Error(`no sim proxy named ${name}`);
    return p;
  }

  async addProxy(name: string, target: Address, role: ProxyRole): Promise<Address> {
    if (this.proxies.has(name)) throw new Error(`a sim proxy named ${name} exists`);
    const proxy = new LinkProxy({
      name, clock: this.ports.clock, seed: role.seed,
      dial: () => this.ports.dialRaw(target.port, name),
      onEvent: (e) => this.onEvents([e]),
    });
    this.proxies.set(name, proxy);
    const port = this.ports.listen((remote) => proxy.connect(remote));
    return { host: SIM_HOST, port };
  }

  async change(name: string, change: FaultChange): Promise<FaultReply> { return applyChange(this.get(name), change); }
  async toxics(name: string): Promise<ToxicInfo[]> { return this.get(name).toxics(); }
  async stats(name: string): Promise<ProxyStats> { return this.get(name).stats(); }

  async stop(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
  }
}
