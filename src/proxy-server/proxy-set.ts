// The named proxies of one crc-proxy: toxiproxy's proxy collection over our LinkProxy. It owns
// the rules of the proxy API (names unique, create vs create-or-replace, what `enabled` means,
// what reset undoes), the bounds (proxies, toxics per proxy) and a log line per change. Changes
// run one at a time (listening is async), so two requests cannot race on one name.
import { type DownHow, type DownMode, LinkProxy } from '../faults/proxy.ts';
import type { ProxyEvent } from '../faults/events.ts';
import type { DirectionSpec, ToxicInfo } from '../faults/toxic.ts';
import { formatHostPort } from './address.ts';
import { ApiError, badBody, proxyExists, proxyNotFound } from './api-error.ts';
import { LinkToxics, checkedSpec, findToxic } from './link-toxics.ts';
import { PopulateError, type ProxyInput, type ToxiproxyProxy, parseProxyInput } from './proxy-json.ts';
import { type ToxiproxyToxic, toxicFromToxiproxy, toxicToToxiproxy } from './toxiproxy-json.ts';
import type { MetricsProxy, ProxyFaultCounts } from './metrics.ts';

export interface ProxySetOptions {
  maxProxies: number;
  maxToxicsPerProxy: number;
  /** Seeds every proxy's toxics (with its name). */
  seed?: number;
  /** Passed to every LinkProxy (bytes a held or stalled direction may queue per connection). */
  maxQueueBytes?: number;
  log: (line: string) => void;
  onEvent: (event: ProxyEvent) => void;
}

interface Entry {
  name: string;
  upstream: string;
  /** the listen host asked for (as listenHost() resolves it); the port is the link's */
  host: string;
  enabled: boolean;
  link: LinkProxy;
  /** API calls that took a direction down or held it (GET /metrics); kept across restarts */
  faults: ProxyFaultCounts;
}

const STREAM_RANK = { upstream: 0, downstream: 1, both: 2 } as const;

export class ProxySet {
  private readonly entries = new Map<string, Entry>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly toxicRules: LinkToxics;
  readonly counters = { created: 0, replaced: 0, deleted: 0, refusedFull: 0 };

  constructor(private readonly options: ProxySetOptions) {
    this.toxicRules = new LinkToxics(options.maxToxicsPerProxy, options.log);
  }

  /** Toxics added and removed, and refused for --max-toxics. */
  get toxicCounters() {
    return this.toxicRules.counters;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Run changes one at a time. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw proxyNotFound();
    return e;
  }

  toJson(name: string): ToxiproxyProxy {
    const e = this.entry(name);
    // Toxiproxy lists upstream toxics, then downstream ones, each in chain order (a stable sort).
    const toxics = e.link.toxics().map(toxicToToxiproxy);
    toxics.sort((a, b) => STREAM_RANK[a.stream] - STREAM_RANK[b.stream]);
    return { name: e.name, listen: formatHostPort(e.host, e.link.port), upstream: e.upstream, enabled: e.enabled, toxics };
  }

  all(): Record<string, ToxiproxyProxy> {
    return Object.fromEntries([...this.entries.keys()].map((n) => [n, this.toJson(n)]));
  }

  // ---- proxies ----

  /** POST /proxies: a new proxy; 409 if the name is taken. */
  create(body: unknown): Promise<ToxiproxyProxy> {
    const input = parseProxyInput(body);
    return this.exclusive(async () => {
      if (this.entries.has(input.name)) throw proxyExists();
      await this.add(input);
      return this.toJson(input.name);
    });
  }

  /**
   * POST /populate: create each proxy, or replace one of that name whose listen or upstream
   * differs (a listen port of 0 matches any port, so populating twice is a no-op, as
   * toxiproxy's README promises). Every entry is checked before any is made.
   */
  populate(body: unknown): Promise<ToxiproxyProxy[]> {
    if (!Array.isArray(body)) throw badBody('populate takes a JSON list of proxies');
    let inputs: ProxyInput[];
    try {
      inputs = body.map((b, i) => parseProxyInput(b, ` at proxy ${i + 1}`));
    } catch (err) {
      throw new PopulateError(err as ApiError, []);
    }
    return this.exclusive(async () => {
      const done: ToxiproxyProxy[] = [];
      for (const input of inputs) {
        try {
          const old = this.entries.get(input.name);
          if (old && !differs(old, input)) {
            done.push(this.toJson(input.name));
            continue;
          }
          if (old) await this.drop(old, 'replaced');
          await this.add(input);
          if (old) this.counters.replaced++;
          done.push(this.toJson(input.name));
        } catch (err) {
          throw new PopulateError(err instanceof ApiError ? err : new ApiError((err as Error).message, 500), done);
        }
      }
      return done;
    });
  }

  /** POST /proxies/{name}: change listen, upstream (the proxy restarts, connections drop), or enabled. */
  update(name: string, body: unknown): Promise<ToxiproxyProxy> {
    return this.exclusive(async () => {
      const e = this.entry(name);
      const input = parseProxyInput(body, '', { name, listen: formatHostPort(e.host, e.link.port), upstream: e.upstream, enabled: e.enabled });
      if (differs(e, input)) await this.restart(e, input);
      const now = this.entry(name);
      if (input.enabled !== now.enabled) this.setEnabled(now, input.enabled);
      return this.toJson(name);
    });
  }

  /** DELETE /proxies/{name}. */
  remove(name: string): Promise<void> {
    return this.exclusive(async () => {
      await this.drop(this.entry(name), 'deleted');
      this.counters.deleted++;
    });
  }

  /** POST /reset: every proxy enabled, every toxic removed, and (ours) every direction up and released. */
  reset(): Promise<void> {
    return this.exclusive(() => {
      for (const e of this.entries.values()) {
        for (const t of e.link.toxics()) e.link.removeToxic(t.name);
        e.link.up('both');
        e.link.release('both');
        e.enabled = true;
      }
      this.options.log(`reset: ${this.entries.size} proxies enabled, toxics removed, links up and released`);
    });
  }

  /** Stop every proxy (shutdown). */
  close(): Promise<void> {
    return this.exclusive(async () => {
      await Promise.all([...this.entries.values()].map((e) => e.link.stop()));
      this.entries.clear();
    });
  }

  private async add(input: ProxyInput): Promise<void> {
    if (this.entries.size >= this.options.maxProxies) {
      this.counters.refusedFull++;
      this.options.log(`proxy ${input.name} refused: ${this.options.maxProxies} proxies already (--max-proxies)`);
      throw new ApiError(`too many proxies: at most ${this.options.maxProxies} (--max-proxies)`, 409);
    }
    const link = await this.listen(input);
    const e: Entry = { name: input.name, upstream: input.upstream, host: input.listen.host, enabled: true, link, faults: noFaults() };
    this.entries.set(e.name, e);
    this.counters.created++;
    if (!input.enabled) this.setEnabled(e, false);
    this.options.log(`proxy ${e.name} created: listen ${formatHostPort(e.host, link.port)} upstream ${e.upstream}${input.enabled ? '' : ' (disabled)'}`);
  }

  private async listen(input: ProxyInput): Promise<LinkProxy> {
    const link = new LinkProxy({
      name: input.name,
      target: input.target,
      listenHost: input.listen.host,
      listenPort: input.listen.port,
      seed: this.options.seed,
      maxQueueBytes: this.options.maxQueueBytes,
      onEvent: this.options.onEvent,
    });
    try {
      await link.start();
    } catch (err) {
      await link.stop();
      // Toxiproxy answers a failed listen with a 500 and the error.
      throw new ApiError((err as Error).message, 500);
    }
    return link;
  }

  /**
   * New listen address or upstream: a new LinkProxy (connections drop, as toxiproxy's restart)
   * with the same toxics and link state. If the new address cannot be had, the old one is
   * taken back, and the error is the answer.
   */
  private async restart(e: Entry, input: ProxyInput): Promise<void> {
    const toxics = e.link.toxics();
    const state = e.link.stats();
    const old: ProxyInput = { name: e.name, listen: { host: e.host, port: e.link.port }, upstream: e.upstream, target: e.link.target, enabled: e.enabled };
    await e.link.stop();
    let link: LinkProxy;
    let failure: ApiError | undefined;
    try {
      link = await this.listen(input);
    } catch (err) {
      failure = err as ApiError;
      try {
        link = await this.listen(old);
      } catch (err2) {
        this.entries.delete(e.name);
        this.options.log(`proxy ${e.name} lost: cannot listen on the new address (${failure.message}) nor the old one (${(err2 as Error).message})`);
        throw failure;
      }
      input = old;
    }
    for (const t of toxics) link.addToxic(t);
    for (const d of state.cut) link.down(d, state.down ?? 'close', 'cut');
    for (const d of state.silent) link.down(d, 'close', 'silent');
    for (const d of state.held) link.hold(d);
    Object.assign(e, { upstream: input.upstream, host: input.listen.host, link });
    if (failure) throw failure;
    this.options.log(`proxy ${e.name} restarted: listen ${formatHostPort(e.host, link.port)} upstream ${e.upstream}`);
  }

  private async drop(e: Entry, why: string): Promise<void> {
    this.entries.delete(e.name);
    await e.link.stop();
    this.options.log(`proxy ${e.name} ${why}`);
  }

  /** enabled: false is our cut of both directions (connections closed, new ones refused). */
  private setEnabled(e: Entry, enabled: boolean): void {
    if (enabled) e.link.up('both', 'cut');
    else {
      e.link.down('both', 'close', 'cut');
      count(e.faults.downs, 'both');
    }
    e.enabled = enabled;
    this.options.log(`proxy ${e.name} ${enabled ? 'enabled' : 'disabled: connections closed, new ones refused'}`);
  }

  // ---- toxics (the rules are in link-toxics.ts) ----

  toxics(proxy: string): ToxiproxyToxic[] {
    return this.toJson(proxy).toxics;
  }

  toxic(proxy: string, name: string): ToxiproxyToxic {
    return toxicToToxiproxy(findToxic(this.entry(proxy).link, name));
  }

  /** POST /proxies/{proxy}/toxics: a toxic in toxiproxy's JSON (one stream). */
  addToxic(proxy: string, body: unknown): Promise<ToxiproxyToxic> {
    return this.exclusive(() => toxicToToxiproxy(this.toxicRules.add(this.entry(proxy).link, toxicFromToxiproxy(body))));
  }

  /** POST /proxies/{proxy}/toxics/{toxic}: toxiproxy's update (attributes merged, toxicity). */
  updateToxic(proxy: string, name: string, body: unknown): Promise<ToxiproxyToxic> {
    return this.exclusive(() => toxicToToxiproxy(this.toxicRules.updateToxiproxy(this.entry(proxy).link, name, body)));
  }

  removeToxic(proxy: string, name: string): Promise<void> {
    return this.exclusive(() => this.toxicRules.remove(this.entry(proxy).link, name));
  }

  /**
   * POST /proxies/{proxy}/crc/toxics: a toxic as our own ToxicSpec (flat attributes, our names,
   * direction 'both' allowed: one toxic on both streams, as experiments write them).
   */
  addSpec(proxy: string, spec: unknown): Promise<ToxicInfo> {
    return this.exclusive(() => this.toxicRules.add(this.entry(proxy).link, checkedSpec(spec)));
  }

  /** POST /proxies/{proxy}/crc/toxics/{toxic}: new attributes in our names. */
  updateSpec(proxy: string, name: string, attributes: unknown): Promise<ToxicInfo> {
    return this.exclusive(() => this.toxicRules.updateSpec(this.entry(proxy).link, name, attributes));
  }

  // ---- crc extras ----

  /** Take a direction down: cut (closed, refused) or silent (bytes dropped, nothing closed). */
  down(proxy: string, direction: DirectionSpec, mode: DownMode, how: DownHow): void {
    const e = this.entry(proxy);
    e.link.down(direction, how, mode);
    count(e.faults.downs, direction);
    this.options.log(`proxy ${proxy}: ${direction} down (${mode}${mode === 'cut' ? `, ${how}` : ''})`);
  }

  /** Bring a direction up; with `mode`, only where it is down that way. */
  up(proxy: string, direction: DirectionSpec, mode?: DownMode): void {
    const e = this.entry(proxy);
    if (!e.enabled && mode !== 'silent') throw new ApiError(`proxy ${proxy} is disabled: enable it with POST /proxies/${proxy} {"enabled": true}`, 409);
    e.link.up(direction, mode);
    this.options.log(`proxy ${proxy}: ${direction} up${mode ? ` (where ${mode})` : ''}`);
  }

  hold(proxy: string, direction: DirectionSpec): void {
    const e = this.entry(proxy);
    e.link.hold(direction);
    count(e.faults.holds, direction);
    this.options.log(`proxy ${proxy}: ${direction} held`);
  }

  release(proxy: string, direction: DirectionSpec): void {
    this.entry(proxy).link.release(direction);
    this.options.log(`proxy ${proxy}: ${direction} released`);
  }

  stats(proxy: string) { return this.entry(proxy).link.stats(); }

  /** GET /proxies/{proxy}/crc/faults: the link's fault state (LinkProxy.snapshot()). */
  faults(proxy: string) { return this.entry(proxy).link.snapshot(); }

  /** Every proxy's figures for GET /metrics (at most maxProxies rows). */
  metrics(): MetricsProxy[] {
    return [...this.entries.values()].map((e) => ({
      name: e.name, listen: formatHostPort(e.host, e.link.port), upstream: e.upstream, enabled: e.enabled,
      stats: e.link.stats(), faults: { downs: { ...e.faults.downs }, holds: { ...e.faults.holds } },
    }));
  }
}

const noFaults = (): ProxyFaultCounts => ({ downs: { upstream: 0, downstream: 0 }, holds: { upstream: 0, downstream: 0 } });

function count(c: Record<'upstream' | 'downstream', number>, direction: DirectionSpec): void {
  if (direction !== 'downstream') c.upstream++;
  if (direction !== 'upstream') c.downstream++;
}

/** Toxiproxy's "differs": another upstream or listen address (here a port of 0 matches any). */
function differs(e: Entry, input: ProxyInput): boolean {
  if (e.upstream !== input.upstream || e.host !== input.listen.host) return true;
  return input.listen.port !== 0 && input.listen.port !== e.link.port;
}
