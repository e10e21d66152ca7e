// crc-proxy's HTTP server (node:http, no framework): bounds on what a request may cost (body
// size, time to arrive, API connections), toxiproxy's refusal of browsers (the API has no
// authentication, so a web page must not drive it), errors as {"error", "status"} JSON, and
// the proxy set and events stream behind the routes.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ApiError, badBody } from './api-error.ts';
import { EventStream } from './event-stream.ts';
import { PopulateError } from './proxy-json.ts';
import { ProxySet } from './proxy-set.ts';
import { type Reply, findRoute } from './routes.ts';

export interface CrcProxyServerOptions {
  /** API address; default 127.0.0.1:8474 (toxiproxy's). */
  host?: string;
  port?: number;
  maxProxies?: number;
  maxToxicsPerProxy?: number;
  maxBodyBytes?: number;
  /** Whole request (headers and body) must arrive within this; default 15 s (toxiproxy's read timeout). */
  requestTimeoutMs?: number;
  /** Open API connections (events readers included). */
  maxApiConnections?: number;
  maxEventReaders?: number;
  eventBufferBytes?: number;
  seed?: number;
  /** Per proxy connection and direction, bytes queued while held or stalled before a reset. */
  maxQueueBytes?: number;
  log?: (line: string) => void;
}

export const CRC_PROXY_DEFAULTS = {
  host: '127.0.0.1',
  port: 8474,
  maxProxies: 1000,
  maxToxicsPerProxy: 64,
  maxBodyBytes: 1024 * 1024,
  requestTimeoutMs: 15_000,
  maxApiConnections: 256,
  maxEventReaders: 32,
  eventBufferBytes: 4 * 1024 * 1024,
} as const;

export class CrcProxyServer {
  readonly proxies: ProxySet;
  readonly events: EventStream;
  readonly counters = { requests: 0, clientErrors: 0, serverErrors: 0, bodyTooLarge: 0, browsersRefused: 0, badRequests: 0, requestTimeouts: 0, abandoned: 0, connectionsRefused: 0 };
  private readonly http: http.Server;
  private readonly options: Required<Omit<CrcProxyServerOptions, 'seed' | 'maxQueueBytes' | 'log'>> & Pick<CrcProxyServerOptions, 'seed' | 'maxQueueBytes'>;
  private readonly log: (line: string) => void;
  private listeningPort = 0;

  constructor(options: CrcProxyServerOptions = {}) {
    this.options = { ...CRC_PROXY_DEFAULTS, ...stripUndefined(options) };
    this.log = options.log ?? (() => {});
    this.events = new EventStream({ maxSubscribers: this.options.maxEventReaders, maxBufferBytes: this.options.eventBufferBytes, log: this.log });
    this.proxies = new ProxySet({
      maxProxies: this.options.maxProxies,
      maxToxicsPerProxy: this.options.maxToxicsPerProxy,
      seed: this.options.seed,
      maxQueueBytes: this.options.maxQueueBytes,
      log: this.log,
      onEvent: (e) => this.events.publish(e),
    });
    const timeout = this.options.requestTimeoutMs;
    this.http = http.createServer({
      requestTimeout: timeout,
      headersTimeout: timeout,
      // node checks those timeouts every 30 s by default: a slow request would hold its slot that long.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeout / 4))),
    }, (req, res) => {
      void this.serve(req, res);
    });
    this.http.maxConnections = this.options.maxApiConnections;
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // A request that did not arrive in time (408), a malformed one (400), or a peer gone mid-request.
      const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const gone = err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable;
      if (timedOut) this.counters.requestTimeouts++;
      else if (!gone) this.counters.badRequests++;
      if (!gone) {
        this.log(`api: ${timedOut ? `request not whole after ${timeout} ms (--request-timeout-ms)` : `bad request (${err.code ?? err.message})`} from ${(socket as Socket).remoteAddress}`);
        socket.end(`HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\nconnection: close\r\n\r\n`);
      } else {
        socket.destroy();
      }
    });
    this.http.on('drop', () => {
      this.counters.connectionsRefused++;
      this.log(`api: connection refused: ${this.options.maxApiConnections} open already (--max-api-connections)`);
    });
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Listen; resolves with the API port. */
  async start(): Promise<number> {
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', (err) => reject(new Error(`crc-proxy cannot listen on ${host}:${port}: ${err.message}`)));
      this.http.listen(port, host, () => resolve());
    });
    this.listeningPort = (this.http.address() as AddressInfo).port;
    return this.listeningPort;
  }

  /** Stop the API (events streams ended) and every proxy. */
  async close(): Promise<void> {
    this.events.close();
    const closed = new Promise<void>((r) => this.http.close(() => r()));
    this.http.closeAllConnections();
    await Promise.all([closed, this.proxies.close()]);
  }

  snapshot() {
    return {
      api: { ...this.counters },
      proxies: { open: this.proxies.size, max: this.options.maxProxies, ...this.proxies.counters },
      toxics: { maxPerProxy: this.options.maxToxicsPerProxy, ...this.proxies.toxicCounters },
      events: { readers: this.events.subscribers, maxReaders: this.options.maxEventReaders, ...this.events.counters },
    };
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++;
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    try {
      if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
        this.counters.browsersRefused++;
        throw new ApiError('User agent not allowed', 403);
      }
      const url = new URL(req.url ?? '/', 'http://crc-proxy');
      const found = findRoute(req.method ?? 'GET', url.pathname);
      if (!('route' in found)) {
        if (found.allowed.length > 0) res.setHeader('allow', [...new Set(found.allowed)].join(', '));
        throw new ApiError(found.allowed.length ? `method ${req.method} not allowed on ${url.pathname}` : `no such endpoint: ${url.pathname}`, found.allowed.length ? 405 : 404);
      }
      const body = req.method === 'GET' || req.method === 'DELETE' ? (req.resume(), undefined) : await this.readBody(req);
      const reply = await found.route.handle(
        { proxies: this.proxies, events: this.events, counters: () => this.snapshot() },
        { params: found.params, query: url.searchParams, body, remote, res },
      );
      if (reply !== 'streaming') send(res, reply);
    } catch (err) {
      this.fail(req, res, err);
    }
  }

  private fail(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
    if (req.destroyed && !(err instanceof ApiError)) {
      // The client went away (or timed out, answered by clientError) mid-request: nobody to tell.
      this.counters.abandoned++;
      return;
    }
    const e = err instanceof ApiError ? err : err instanceof URIError ? new ApiError(`bad path: ${err.message}`, 400) : new ApiError((err as Error).message, 500);
    if (e.status >= 500) {
      this.counters.serverErrors++;
      this.log(`api: ${req.method} ${req.url}: ${e.status} ${e.message}`);
    } else {
      this.counters.clientErrors++;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Toxiproxy's populate error still lists the proxies it made before the failure.
    send(res, { status: e.status, body: e instanceof PopulateError ? { ...e.toJSON(), proxies: e.proxies } : e.toJSON() });
    if (e.status === 413) res.once('finish', () => req.destroy());
  }

  /** The JSON body, at most maxBodyBytes; undefined when empty. */
  private async readBody(req: http.IncomingMessage): Promise<unknown> {
    const max = this.options.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => {
      this.counters.bodyTooLarge++;
      this.log(`api: ${req.method} ${req.url}: body over ${max} bytes refused (--max-body-bytes)`);
      return new ApiError(`request body over ${max} bytes (--max-body-bytes)`, 413);
    };
    if (declared > max) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge();
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw badBody((err as Error).message);
    }
  }
}

function send(res: http.ServerResponse, reply: Exclude<Reply, 'streaming'>): void {
  if (reply.status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = reply.text ?? JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
