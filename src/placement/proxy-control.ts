// The link proxies of a crc-proxy server (toxiproxy's HTTP API plus the crc extras: the routes
// are listed in src/proxy-server/routes.ts), as a LinkNetwork. `ProxyControl` is the few calls we need; `HttpProxyControl`
// makes them with crc-proxy's own client (`CrcProxyClient`, src/proxy-server/client.ts).
import http from 'node:http';
import type { ProxyEvent } from '../faults/events.ts';
import type { FaultChange, FaultReply, LinkFaultState } from '../faults/fault-state.ts';
import type { DownHow, DownMode, ProxyStats } from '../faults/proxy.ts';
import { flatToxic } from '../faults/registry.ts';
import type { DirectionSpec, ToxicInfo, ToxicSpec } from '../faults/toxic.ts';
import { CrcProxyClient, CrcProxyError } from '../proxy-server/client.ts';
import type { Address, LinkNetwork, ProxyRole } from './types.ts';

/** A proxy as GET /proxies/{name} describes it (toxiproxy's shape). */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

export interface ProxyControl {
  readonly base: string;
  proxy(name: string): Promise<ProxyJson | undefined>;
  createProxy(p: ProxyJson): Promise<ProxyJson>;
  /** Our flat ToxicSpec (POST /proxies/{name}/crc/toxics), so no attribute renaming is needed. */
  addSpec(name: string, spec: ToxicSpec): Promise<ToxicInfo>;
  updateSpec(name: string, toxic: string, attributes: Record<string, unknown>): Promise<ToxicInfo>;
  removeToxic(name: string, toxic: string): Promise<void>;
  toxics(name: string): Promise<ToxicInfo[]>;
  crc(name: string, op: 'down' | 'up' | 'hold' | 'release', body: Record<string, unknown>): Promise<void>;
  stats(name: string): Promise<ProxyStats>;
  /** GET /proxies/{name}/crc/faults: the proxy's snapshot(). */
  faults(name: string): Promise<LinkFaultState>;
  /** GET /crc/events (NDJSON), until close(). */
  events(onEvents: (events: ProxyEvent[]) => void): Promise<{ close(): void }>;
}

/** ProxyControl over crc-proxy's own client (src/proxy-server/client.ts). */
export class HttpProxyControl implements ProxyControl {
  private readonly client: CrcProxyClient;

  constructor(readonly base: string, private readonly timeoutMs = 10_000) {
    this.client = new CrcProxyClient(base, { timeoutMs });
  }

  async proxy(name: string): Promise<ProxyJson | undefined> {
    try {
      return await this.client.proxy(name);
    } catch (err) {
      if (err instanceof CrcProxyError && err.status === 404) return undefined;
      throw err;
    }
  }
  createProxy(p: ProxyJson): Promise<ProxyJson> { return this.client.createProxy(p); }
  addSpec(name: string, spec: ToxicSpec): Promise<ToxicInfo> { return this.client.addSpec(name, spec); }
  updateSpec(name: string, toxic: string, attributes: Record<string, unknown>): Promise<ToxicInfo> { return this.client.updateSpec(name, toxic, attributes); }
  removeToxic(name: string, toxic: string): Promise<void> { return this.client.removeToxic(name, toxic); }
  /** In our names (ToxicInfo), not toxiproxy's. */
  toxics(name: string): Promise<ToxicInfo[]> { return this.client.specs(name); }
  async crc(name: string, op: 'down' | 'up' | 'hold' | 'release', body: Record<string, unknown>): Promise<void> {
    const direction = (body.direction ?? 'both') as DirectionSpec;
    if (op === 'down') await this.client.down(name, body as { direction?: DirectionSpec; mode?: DownMode; how?: DownHow });
    else if (op === 'up') await this.client.up(name, direction, body.mode as DownMode | undefined);
    else if (op === 'hold') await this.client.hold(name, direction);
    else await this.client.release(name, direction);
  }
  stats(name: string): Promise<ProxyStats> { return this.client.stats(name); }
  faults(name: string): Promise<LinkFaultState> { return this.client.faults(name); }

  events(onEvents: (events: ProxyEvent[]) => void): Promise<{ close(): void }> {
    return new Promise((resolve, reject) => {
      const req = http.get(new URL('/crc/events', this.base), { agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`crc-proxy at ${this.base}: GET /crc/events: HTTP ${res.statusCode}`));
        resolve({ close: () => req.destroy() });
        let rest = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          const text = rest + chunk;
          const last = text.lastIndexOf('\n');
          rest = last < 0 ? text : text.slice(last + 1);
          if (rest.length > 1024 * 1024) return void req.destroy(new Error('an event line over 1 MiB'));
          if (last >= 0) onEvents(text.slice(0, last).split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProxyEvent));
        });
        res.on('error', () => {});
      });
      req.once('error', (err) => reject(new Error(`crc-proxy at ${this.base}: GET /crc/events: ${err.message}`)));
    });
  }
}

/**
 * Link proxies on one or more crc-proxy servers. `resolve` says which server (and which of its
 * proxies) stands for a link: a proxy made here (processes) or one the endpoints file names
 * (external, where it may already exist: then it is used as it is).
 */
export class ProxyLinks implements LinkNetwork {
  private readonly where = new Map<string, { control: ProxyControl; proxy: string }>();
  private readonly streams = new Map<ProxyControl, Promise<{ close(): void }>>();

  constructor(
    /** Which crc-proxy serves a link, under which proxy name, listening where when it is made here. */
    private readonly resolve: (name: string, role: ProxyRole) => Promise<{ control: ProxyControl; proxy?: string; listen: string }> | { control: ProxyControl; proxy?: string; listen: string },
    private readonly onEvents: (events: ProxyEvent[]) => void,
  ) {}

  private at(name: string): { control: ProxyControl; proxy: string } {
    const w = this.where.get(name);
    if (!w) throw new Error(`no proxy named ${name}`);
    return w;
  }

  async addProxy(name: string, target: Address, role: ProxyRole): Promise<Address> {
    const r = await this.resolve(name, role);
    const { control, listen } = r;
    const proxy = r.proxy ?? name;
    if (!this.streams.has(control)) this.streams.set(control, control.events(this.onEvents));
    await this.streams.get(control);
    const p = (await control.proxy(proxy)) ?? await control.createProxy({ name: proxy, listen, upstream: `${target.host}:${target.port}`, enabled: true });
    this.where.set(name, { control, proxy });
    const port = Number(p.listen.slice(p.listen.lastIndexOf(':') + 1));
    // Dial the proxy where its API is: its host, the port it listens on.
    return { host: new URL(control.base).hostname, port };
  }

  /**
   * The change, then GET .../crc/faults for the snapshot after it: two requests, as the API's
   * change routes answer with a toxic or the stats, not the fault state. The proxy serves each
   * request whole, but a change made by someone else between the two shows in the snapshot
   * (which is then the truth).
   */
  async change(name: string, change: FaultChange): Promise<FaultReply> {
    const { control: c, proxy } = this.at(name);
    let toxic: ToxicInfo | undefined;
    switch (change.op) {
      // Written out flat at this HTTP edge; crc-proxy validates what arrives at its own.
      case 'add': toxic = await c.addSpec(proxy, flatToxic(change.toxic)); break;
      case 'remove': await c.removeToxic(proxy, change.toxic); break;
      case 'replace': toxic = await c.updateSpec(proxy, change.toxic.name, change.toxic.attributes); break;
      case 'down': await c.crc(proxy, 'down', { direction: change.direction, how: change.how, mode: change.mode }); break;
      case 'up': await c.crc(proxy, 'up', change.mode ? { direction: change.direction, mode: change.mode } : { direction: change.direction }); break;
      default: await c.crc(proxy, change.op, { direction: change.direction });
    }
    const faults = await c.faults(proxy);
    return toxic ? { faults, toxic } : { faults };
  }
  toxics(name: string) { const w = this.at(name); return w.control.toxics(w.proxy); }
  stats(name: string) { const w = this.at(name); return w.control.stats(w.proxy); }

  async stop(): Promise<void> {
    for (const s of this.streams.values()) (await s.catch(() => undefined))?.close();
  }
}
