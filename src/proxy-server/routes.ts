// The API's routes: toxiproxy 2.x's paths, methods and status codes, then our extras under
// /proxies/{name}/crc/ and /crc/. Each handler turns a parsed request into a reply; reading
// bodies, limits and errors are the server's (http-server.ts).
import type http from 'node:http';
import { z } from 'zod';
import { fromZod, inlineIssues } from '../util/zod-issues.ts';
import { badBody } from './api-error.ts';
import type { EventStream } from './event-stream.ts';
import { schedulerLateness } from '../faults/scheduler.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import type { ProxySet } from './proxy-set.ts';

/** Reported by GET /version; toxiproxy's clients print it, none parse it. */
export const CRC_PROXY_VERSION = 'crc-proxy 0.1.0 (toxiproxy API 2)';

export interface Request {
  params: Record<string, string>;
  query: URLSearchParams;
  /** the JSON body; undefined when empty */
  body: unknown;
  remote: string;
  res: http.ServerResponse;
}

/** A JSON reply; `text` is sent as is (GET /version, /metrics: `contentType`); 'streaming': the handler owns `res`. */
export type Reply = { status: number; body?: unknown; text?: string; contentType?: string } | 'streaming';

export interface RouteContext {
  proxies: ProxySet;
  events: EventStream;
  /** GET /crc/counters */
  counters: () => Record<string, Record<string, number>>;
}

interface Route {
  methods: readonly string[];
  pattern: RegExp;
  names: string[];
  handle: (ctx: RouteContext, req: Request) => Reply | Promise<Reply>;
}

const route = (methods: readonly string[], path: string, handle: Route['handle']): Route => {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { methods, pattern: new RegExp(`^${source}$`), names, handle };
};

const direction = z.enum(['upstream', 'downstream', 'both']).default('both');
const downBody = z.strictObject({ direction, mode: z.enum(['cut', 'silent']).default('cut'), how: z.enum(['close', 'reset']).default('close') });
const directionBody = z.strictObject({ direction });
/** `mode`: bring up only what is down that way (LinkProxy.up). */
const upBody = z.strictObject({ direction, mode: z.enum(['cut', 'silent']).optional() });

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw badBody(inlineIssues(fromZod(r.error.issues, 'field'), 'field'));
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const noContent: Reply = { status: 204 };
const UPDATE = ['POST', 'PATCH'];

export const ROUTES: readonly Route[] = [
  route(['GET'], '/version', () => ({ status: 200, text: `${JSON.stringify({ version: CRC_PROXY_VERSION })}\n` })),
  route(['GET'], '/metrics', (c) => ({ status: 200, contentType: METRICS_CONTENT_TYPE, text: renderMetrics({ proxies: c.proxies.metrics(), counters: c.counters(), timerLateness: schedulerLateness() }) })),
  route(['POST'], '/reset', async (c) => (await c.proxies.reset(), noContent)),
  route(['GET'], '/proxies', (c) => ok(c.proxies.all())),
  route(['POST'], '/proxies', async (c, r) => ({ status: 201, body: await c.proxies.create(r.body) })),
  route(['POST'], '/populate', async (c, r) => ({ status: 201, body: { proxies: await c.proxies.populate(r.body) } })),
  route(['GET'], '/proxies/{proxy}', (c, r) => ok(c.proxies.toJson(r.params.proxy!))),
  route(UPDATE, '/proxies/{proxy}', async (c, r) => ok(await c.proxies.update(r.params.proxy!, r.body))),
  route(['DELETE'], '/proxies/{proxy}', async (c, r) => (await c.proxies.remove(r.params.proxy!), noContent)),
  route(['GET'], '/proxies/{proxy}/toxics', (c, r) => ok(c.proxies.toxics(r.params.proxy!))),
  // Toxiproxy answers a new toxic with 200, not 201.
  route(['POST'], '/proxies/{proxy}/toxics', async (c, r) => ok(await c.proxies.addToxic(r.params.proxy!, r.body))),
  route(['GET'], '/proxies/{proxy}/toxics/{toxic}', (c, r) => ok(c.proxies.toxic(r.params.proxy!, r.params.toxic!))),
  route(UPDATE, '/proxies/{proxy}/toxics/{toxic}', async (c, r) => ok(await c.proxies.updateToxic(r.params.proxy!, r.params.toxic!, r.body))),
  route(['DELETE'], '/proxies/{proxy}/toxics/{toxic}', async (c, r) => (await c.proxies.removeToxic(r.params.proxy!, r.params.toxic!), noContent)),

  // ---- crc extras ----
  route(['POST'], '/proxies/{proxy}/crc/down', (c, r) => {
    const b = parseBody(downBody, r.body);
    c.proxies.down(r.params.proxy!, b.direction, b.mode, b.how);
    return ok(c.proxies.stats(r.params.proxy!));
  }),
  route(['POST'], '/proxies/{proxy}/crc/up', (c, r) => {
    const b = parseBody(upBody, r.body);
    c.proxies.up(r.params.proxy!, b.direction, b.mode);
    return ok(c.proxies.stats(r.params.proxy!));
  }),
  ...(['hold', 'release'] as const).map((op) => route(['POST'], `/proxies/{proxy}/crc/${op}`, (c, r) => {
    c.proxies[op](r.params.proxy!, parseBody(directionBody, r.body).direction);
    return ok(c.proxies.stats(r.params.proxy!));
  })),
  route(['GET'], '/proxies/{proxy}/crc/toxics', (c, r) => ok(c.proxies.stats(r.params.proxy!).toxics)),
  route(['POST'], '/proxies/{proxy}/crc/toxics', async (c, r) => ok(await c.proxies.addSpec(r.params.proxy!, r.body))),
  route(['POST'], '/proxies/{proxy}/crc/toxics/{toxic}', async (c, r) => ok(await c.proxies.updateSpec(r.params.proxy!, r.params.toxic!, r.body ?? {}))),
  route(['GET'], '/proxies/{proxy}/crc/stats', (c, r) => ok(c.proxies.stats(r.params.proxy!))),
  route(['GET'], '/proxies/{proxy}/crc/faults', (c, r) => ok(c.proxies.faults(r.params.proxy!))),
  route(['GET'], '/crc/events', (c, r) => {
    const types = r.query.get('types');
    const proxy = r.query.get('proxy') ?? undefined;
    const filter = { types: types ? new Set(types.split(',').filter(Boolean)) : undefined, proxy };
    if (!c.events.subscribe(r.res, filter, r.remote)) return { status: 503, body: { error: 'too many event readers (--max-event-readers)', status: 503 } };
    return 'streaming';
  }),
  route(['GET'], '/crc/counters', (c) => ok(c.counters())),
  // How late the toxics' timers ran (the scheduler's groups of timers) since the last ?reset=true.
  route(['GET'], '/crc/timers', (_c, r) => ok(schedulerLateness(r.query.get('reset') === 'true'))),
];

/** The route for a path, with its params; `allowed` lists the methods of a path matched by another method. */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (!r.methods.includes(method)) {
      allowed.push(...r.methods);
      continue;
    }
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route: r, params };
  }
  return { allowed };
}
