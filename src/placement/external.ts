// The external placement: servers and link proxies someone else started (the Kubernetes Job's
// pods), found in the endpoints file and driven only over HTTP: the servers' control APIs,
// the crc-proxies' APIs. "Start" waits for /health to answer (with the right id) and
// subscribes to /events; crash is POST /crash; a restart waits for a new boot id (Kubernetes
// restarts the container on the same address).
import type { ProxyEvent } from '../faults/events.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ByteTotals, HostedServerSpec, ServerCounters } from '../threads/worker-api.ts';
import { WorkerCrash } from '../threads/worker-handle.ts';
import { ServerControl } from './control-client.ts';
import type { Endpoints } from './endpoints.ts';
import { HttpProxyControl, type ProxyControl, ProxyLinks } from './proxy-control.ts';
import type { Address, LinkNetwork, PlacementHooks, ServerHost } from './types.ts';

/** How long a server may take to answer /health (a pod starting, a container restarting). */
export const EXTERNAL_START_TIMEOUT_MS = 120_000;

interface Known {
  control: ServerControl;
  address: Address;
  boot?: string;
  up: boolean;
  events?: { close(): void };
}

export class ExternalServers implements ServerHost {
  readonly kind = 'external' as const;
  readonly workers = [];
  private readonly known = new Map<string, Known>();
  private network: ProxyLinks | undefined;
  private readonly proxyApis = new Map<string, ProxyControl>();

  constructor(private readonly endpoints: Endpoints, private readonly hooks: PlacementHooks) {
    for (const s of endpoints.servers) {
      this.known.set(s.name, { control: new ServerControl(`server ${s.name} (${s.control})`, s.control, hooks.callTimeoutMs), address: { host: s.host, port: s.port }, up: false });
    }
  }

  private get(name: string): Known {
    const k = this.known.get(name);
    if (!k) throw new Error(`server ${name} is not in the endpoints file (servers[].name)`);
    return k;
  }

  /** Wait for /health with the spec's id and a boot id we have not seen (a restarted container). */
  async start(spec: HostedServerSpec): Promise<Address> {
    const k = this.get(spec.name);
    const deadline = Date.now() + EXTERNAL_START_TIMEOUT_MS;
    let last = '';
    for (;;) {
      try {
        const h = await k.control.health(2000);
        if (h.id !== spec.id) throw new Error(`${spec.name} at ${k.control.base} says it is server ${h.id}, the topology says ${spec.id}`);
        if (h.boot !== k.boot) {
          k.boot = h.boot;
          break;
        }
        last = 'it still runs the boot we crashed';
      } catch (err) {
        if ((err as Error).message.includes('says it is server')) throw err;
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`server ${spec.name}: no fresh /health within ${EXTERNAL_START_TIMEOUT_MS} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const types = this.hooks.eventTypes ?? 'all';
    if (types === 'all' || types.length > 0) {
      k.events = await k.control.subscribe((events) => this.hooks.onEvents?.(events), types, (why) => {
        if (k.up) this.hooks.onCrash?.(new WorkerCrash(`server ${spec.name} at ${k.control.base}: ${why}`));
      });
    }
    k.up = true;
    return k.address;
  }

  async join(name: string, target: Address, deadlineMs?: number): Promise<number> {
    return this.get(name).control.join(target, deadlineMs);
  }

  async crash(name: string): Promise<void> {
    const k = this.get(name);
    if (!k.up) throw new Error(`crash: ${name} is not running`);
    k.up = false;
    await k.control.crash();
    k.events?.close();
  }

  alive(name: string): boolean {
    return this.known.get(name)?.up ?? false;
  }

  colocated(name: string): string[] {
    return this.known.has(name) ? [name] : [];
  }

  async state(name: string): Promise<ServerState> { return this.get(name).control.state(); }
  async counters(name: string): Promise<ServerCounters> { return this.get(name).control.counters(); }

  async totals(): Promise<ByteTotals> {
    const all = await Promise.all([...this.known.values()].filter((k) => k.up).map((k) => k.control.totals()));
    return all.reduce((a, t) => ({ bytesIn: a.bytesIn + t.bytesIn, bytesOut: a.bytesOut + t.bytesOut, pending: a.pending + t.pending }), { bytesIn: 0, bytesOut: 0, pending: 0 });
  }

  async states(): Promise<Record<string, ServerState>> {
    const live = [...this.known].filter(([, k]) => k.up);
    const states = await Promise.all(live.map(([, k]) => k.control.state()));
    return Object.fromEntries(live.map(([n], i) => [n, states[i]!]));
  }

  /** The endpoints file's links: b dials a through `proxy` on the crc-proxy at `proxyApi`. */
  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork {
    this.network ??= new ProxyLinks((name, role) => {
      const l = this.endpoints.links.find((x) => x.a === role.parent && x.b === role.child);
      if (!l) throw new Error(`proxy ${name}: the endpoints file has no link {"a": "${role.parent}", "b": "${role.child}"} (links[])`);
      let control = this.proxyApis.get(l.proxyApi);
      if (!control) this.proxyApis.set(l.proxyApi, control = new HttpProxyControl(l.proxyApi, this.hooks.callTimeoutMs));
      return { control, proxy: l.proxy, listen: '0.0.0.0:0' };
    }, onEvents);
    return this.network;
  }

  /** Nothing here is ours to stop: close the event streams and leave the servers running. */
  async stop(): Promise<void> {
    for (const k of this.known.values()) {
      k.up = false;
      k.events?.close();
    }
    await this.network?.stop();
  }
}
