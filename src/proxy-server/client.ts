// CrcProxyClient: a typed client of one crc-proxy's API (toxiproxy's endpoints and our crc
// extras), over the global fetch. Any non-2xx answer throws a CrcProxyError carrying the
// server's status and message. Each call has a timeout, so a hung proxy fails the caller.
import type { ProxyEvent } from '../faults/events.ts';
import type { DownHow, DownMode, LinkFaultState, ProxyStats } from '../faults/proxy.ts';
import type { DirectionSpec, ToxicInfo, ToxicSpec } from '../faults/toxic.ts';
import type { ToxiproxyProxy } from './proxy-json.ts';
import type { ToxiproxyToxic } from './toxiproxy-json.ts';

export type { ToxiproxyProxy, ToxiproxyToxic };

export interface ProxyBody {
  name: string;
  /** "host:port"; port 0 = any free port (read the real one back from `listen`). Default 127.0.0.1:0. */
  listen?: string;
  upstream: string;
  enabled?: boolean;
}

/** A toxic in toxiproxy's JSON; `stream` defaults to downstream, `name` to `${type}_${stream}`. */
export interface ToxicBody {
  type: string;
  name?: string;
  stream?: 'upstream' | 'downstream';
  toxicity?: number;
  attributes?: Record<string, unknown>;
}

export class CrcProxyError extends Error {
  override readonly name = 'CrcProxyError';
  constructor(message: string, readonly status: number, readonly body?: unknown) {
    super(message);
  }
}

export interface CrcProxyClientOptions {
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export class CrcProxyClient {
  readonly base: string;
  private readonly timeoutMs: number;

  /** `base`: the API's URL, e.g. http://127.0.0.1:8474. */
  constructor(base: string, options: CrcProxyClientOptions = {}) {
    this.base = base.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  // ---- toxiproxy's API ----

  async version(): Promise<string> {
    return (await this.request<{ version: string }>('GET', '/version')).version;
  }

  proxies(): Promise<Record<string, ToxiproxyProxy>> {
    return this.request('GET', '/proxies');
  }

  createProxy(body: ProxyBody): Promise<ToxiproxyProxy> {
    return this.request('POST', '/proxies', body);
  }

  /** Create or replace each proxy (one whose listen and upstream are the same is kept). */
  async populate(proxies: ProxyBody[]): Promise<ToxiproxyProxy[]> {
    return (await this.request<{ proxies: ToxiproxyProxy[] }>('POST', '/populate', proxies)).proxies;
  }

  proxy(name: string): Promise<ToxiproxyProxy> {
    return this.request('GET', `/proxies/${enc(name)}`);
  }

  /** Change listen or upstream (the proxy restarts) or enabled (false: both ways cut, new connections refused). */
  updateProxy(name: string, body: Partial<Omit<ProxyBody, 'name'>>): Promise<ToxiproxyProxy> {
    return this.request('POST', `/proxies/${enc(name)}`, body);
  }

  deleteProxy(name: string): Promise<void> {
    return this.request('DELETE', `/proxies/${enc(name)}`);
  }

  toxics(proxy: string): Promise<ToxiproxyToxic[]> {
    return this.request('GET', `/proxies/${enc(proxy)}/toxics`);
  }

  addToxic(proxy: string, toxic: ToxicBody): Promise<ToxiproxyToxic> {
    return this.request('POST', `/proxies/${enc(proxy)}/toxics`, toxic);
  }

  toxic(proxy: string, name: string): Promise<ToxiproxyToxic> {
    return this.request('GET', `/proxies/${enc(proxy)}/toxics/${enc(name)}`);
  }

  /** New attributes (merged into the toxic's, toxiproxy's names) and/or toxicity. */
  updateToxic(proxy: string, name: string, body: { attributes?: Record<string, unknown>; toxicity?: number }): Promise<ToxiproxyToxic> {
    return this.request('POST', `/proxies/${enc(proxy)}/toxics/${enc(name)}`, body);
  }

  removeToxic(proxy: string, name: string): Promise<void> {
    return this.request('DELETE', `/proxies/${enc(proxy)}/toxics/${enc(name)}`);
  }

  /** Every proxy enabled, every toxic removed, every direction up and released. */
  reset(): Promise<void> {
    return this.request('POST', '/reset');
  }

  // ---- crc extras ----

  /** Add a toxic as our own ToxicSpec (flat attributes in our names; direction 'both' allowed). */
  addSpec(proxy: string, spec: ToxicSpec): Promise<ToxicInfo> {
    return this.request('POST', `/proxies/${enc(proxy)}/crc/toxics`, spec);
  }

  /** The proxy's toxics as ToxicInfo (our names; direction 'both' where it is one toxic on both streams). */
  specs(proxy: string): Promise<ToxicInfo[]> {
    return this.request('GET', `/proxies/${enc(proxy)}/crc/toxics`);
  }

  /** Change a toxic's attributes, in our names (LinkProxy.updateToxic). */
  updateSpec(proxy: string, name: string, attributes: Record<string, unknown>): Promise<ToxicInfo> {
    return this.request('POST', `/proxies/${enc(proxy)}/crc/toxics/${enc(name)}`, attributes);
  }

  /** 'cut': connections closed (FIN, or RST with how 'reset'), new ones refused; 'silent': bytes dropped, nothing closed. */
  down(proxy: string, opts: { direction?: DirectionSpec; mode?: DownMode; how?: DownHow } = {}): Promise<ProxyStats> {
    return this.request('POST', `/proxies/${enc(proxy)}/crc/down`, opts);
  }

  /** Bring `direction` up; with `mode`, only where it is down that way. */
  up(proxy: string, direction: DirectionSpec = 'both', mode?: DownMode): Promise<ProxyStats> {
    return this.request('POST', `/proxies/${enc(proxy)}/crc/up`, mode ? { direction, mode } : { direction });
  }

  /** Queue the direction's bytes until release(). */
  hold(proxy: string, direction: DirectionSpec = 'both'): Promise<ProxyStats> {
    return this.request('POST', `/proxies/${enc(proxy)}/crc/hold`, { direction });
  }

  /** Deliver what was held, in order, once. */
  release(proxy: string, direction: DirectionSpec = 'both'): Promise<ProxyStats> {
    return this.request('POST', `/proxies/${enc(proxy)}/crc/release`, { direction });
  }

  stats(proxy: string): Promise<ProxyStats> {
    return this.request('GET', `/proxies/${enc(proxy)}/crc/stats`);
  }

  /** The link's fault state (toxics, down, held), as LinkProxy.snapshot() gives it. */
  faults(proxy: string): Promise<LinkFaultState> {
    return this.request('GET', `/proxies/${enc(proxy)}/crc/faults`);
  }

  counters(): Promise<unknown> {
    return this.request('GET', '/crc/counters');
  }

  /**
   * Subscribe to every ProxyEvent (optionally only some types, or one proxy's). Resolves once
   * the server has the subscription, so events caused after this resolves are all seen. Read
   * with `for await (const e of reader)`; reader.close() ends it.
   */
  async openEvents(opts: { types?: string[]; proxy?: string } = {}): Promise<EventReader> {
    const q = new URLSearchParams();
    if (opts.types?.length) q.set('types', opts.types.join(','));
    if (opts.proxy !== undefined) q.set('proxy', opts.proxy);
    const abort = new AbortController();
    // The timeout bounds the wait for the answer only: the stream itself lasts until close().
    const timer = setTimeout(() => abort.abort(new Error(`crc-proxy GET /crc/events: no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.base}/crc/events${q.size ? `?${q}` : ''}`, { signal: abort.signal });
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok || !res.body) throw await errorOf(res, 'GET /crc/events');
    return new EventReader(res.body, abort);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw await errorOf(res, `${method} ${path}`);
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

const enc = encodeURIComponent;

async function errorOf(res: Response, what: string): Promise<CrcProxyError> {
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const message = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : text || res.statusText;
  return new CrcProxyError(`crc-proxy ${what}: HTTP ${res.status}: ${message}`, res.status, body);
}

/** A stream of ProxyEvents from GET /crc/events. */
export class EventReader implements AsyncIterable<ProxyEvent> {
  constructor(private readonly body: ReadableStream<Uint8Array>, private readonly abort: AbortController) {}

  async *[Symbol.asyncIterator](): AsyncIterator<ProxyEvent> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of this.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line) yield JSON.parse(line) as ProxyEvent;
        }
      }
    } catch (err) {
      if (this.abort.signal.aborted) return;
      throw err;
    }
  }

  close(): void {
    this.abort.abort();
  }
}
