// Toxiproxy's proxy JSON: the body of POST /proxies, /populate entries and updates, read as
// toxiproxy reads it (enabled defaults to true; `toxics` is accepted and ignored, as toxiproxy's
// Go client sends a proxy back whole), and the shape every proxy is reported in.
import { type HostPort, listenHost, parseHostPort } from './address.ts';
import { ApiError, badBody, missingField } from './api-error.ts';
import type { ToxiproxyToxic } from './toxiproxy-json.ts';

/** Toxiproxy's proxy JSON. */
export interface ToxiproxyProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxiproxyToxic[];
}

/** A checked proxy body. */
export interface ProxyInput {
  name: string;
  listen: HostPort;
  upstream: string;
  target: HostPort;
  enabled: boolean;
}

/** Toxiproxy's populate error: its status, and the proxies made before it. */
export class PopulateError extends ApiError {
  constructor(cause: ApiError, readonly proxies: ToxiproxyProxy[]) {
    super(cause.message, cause.status);
  }
}

const PROXY_KEYS = new Set(['name', 'listen', 'upstream', 'enabled', 'toxics']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A proxy body as toxiproxy reads it. `at` names the list entry in errors (populate);
 * `current` gives the defaults of an update. `toxics` is accepted and ignored (toxiproxy's
 * Go client sends the proxy back whole).
 */
export function parseProxyInput(body: unknown, at = '', current?: { name: string; listen: string; upstream: string; enabled: boolean }): ProxyInput {
  if (!isObject(body)) throw badBody(`a proxy must be a JSON object like {"name": "redis", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:6379"}${at}`);
  for (const k of Object.keys(body)) if (!PROXY_KEYS.has(k)) throw badBody(`unknown field "${k}"${at} (a proxy has name, listen, upstream, enabled)`);
  const str = (k: string, fallback: string | undefined): string | undefined => {
    const v = body[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw badBody(`"${k}"${at} must be a string`);
    return v;
  };
  const name = str('name', current?.name);
  if (!name) throw missingField(`name${at}`);
  if (current && name !== current.name) throw badBody(`"name" cannot be changed (is "${current.name}"): delete the proxy and create it again`);
  if (name.length > 200 || /[/?#%\s]/.test(name)) throw badBody(`"name"${at} must be 1 to 200 characters, none of / ? # % or spaces (it is a URL path segment)`);
  const upstream = str('upstream', current?.upstream);
  if (!upstream) throw missingField(`upstream${at}`);
  const target = parseHostPort(upstream, 1);
  if (typeof target === 'string' || target.host === '') throw badBody(`"upstream"${at}: ${typeof target === 'string' ? target : 'needs a host'}`);
  const listenText = str('listen', current?.listen) || '127.0.0.1:0';
  const listen = parseHostPort(listenText, 0);
  if (typeof listen === 'string') throw badBody(`"listen"${at}: ${listen}`);
  const enabled = body.enabled ?? current?.enabled ?? true;
  if (typeof enabled !== 'boolean') throw badBody(`"enabled"${at} must be true or false`);
  return { name, listen: { host: listenHost(listen.host), port: listen.port }, upstream, target, enabled };
}
