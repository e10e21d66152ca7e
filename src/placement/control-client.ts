// The coordinator's side of a crc-server's control API (src/net/control-api.ts): JSON calls
// with a timeout and errors that name the server, and the /events NDJSON stream parsed into
// batches of SimEvents (one batch per chunk read, as a worker's EventBatcher posts them).
import http from 'node:http';
import type { ServerState } from '../net/server-node.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { ByteTotals, ServerCounters, SimEvent } from '../threads/worker-api.ts';

export interface Health {
  ok: true;
  name: string;
  id: number;
  boot: string;
  port: number;
}

/** A line of NDJSON longer than this is not an event: the stream is broken. */
const MAX_EVENT_LINE = 1024 * 1024;

export class ServerControl {
  constructor(readonly label: string, readonly base: string, private readonly timeoutMs = 10_000) {}

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: Error };
      throw new Error(`${this.label}: ${method} ${path} at ${this.base}: ${e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.message ?? e.message)}`);
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${this.label}: ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  health(timeoutMs?: number): Promise<Health> { return this.request('GET', '/health', undefined, timeoutMs); }
  state(): Promise<ServerState> { return this.request('GET', '/node-state'); }
  counters(): Promise<ServerCounters> { return this.request('GET', '/counters'); }
  totals(): Promise<ByteTotals> { return this.request('GET', '/totals'); }
  async join(target: { host: string; port: number }, deadlineMs?: number): Promise<number> {
    // The server retries its bootstrap until the deadline: wait a little longer than that.
    const r = await this.request<{ t: number }>('POST', '/join', { ...target, deadlineMs }, (deadlineMs ?? 10_000) + this.timeoutMs);
    return r.t;
  }
  lateness(from: number, to: number): Promise<Omit<ThreadLateness, 'thread'>> {
    return this.request('GET', `/lateness?from=${from}&to=${to}`, undefined, 5000);
  }
  async stop(): Promise<void> { await this.request('POST', '/stop'); }
  async crash(): Promise<void> { await this.request('POST', '/crash'); }

  /**
   * Stream /events into `onEvents`; resolves once the server has answered (from then on no
   * event is missed). `onEnd` is called once when the stream ends, with why.
   */
  subscribe(onEvents: (events: SimEvent[]) => void, types: string[] | 'all' | undefined, onEnd: (why: string) => void): Promise<{ close(): void }> {
    const url = new URL('/events', this.base);
    if (Array.isArray(types)) url.searchParams.set('types', types.join(','));
    return new Promise((resolve, reject) => {
      let ended = false;
      const end = (why: string) => {
        if (!ended) {
          ended = true;
          onEnd(why);
        }
      };
      const req = http.get(url, { agent: false }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`${this.label}: GET /events: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        res.socket.setNoDelay(true);
        resolve({ close: () => { ended = true; req.destroy(); } });
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = rest + chunk;
          const last = text.lastIndexOf('\n');
          if (last < 0) {
            rest = text;
            if (rest.length > MAX_EVENT_LINE) req.destroy(new Error(`an /events line over ${MAX_EVENT_LINE} bytes`));
            return;
          }
          rest = text.slice(last + 1);
          const batch: SimEvent[] = [];
          for (const line of text.slice(0, last).split('\n')) if (line) batch.push(JSON.parse(line) as SimEvent);
          onEvents(batch);
        });
        res.once('end', () => end('the server ended its /events stream'));
        res.once('error', (err) => end(`/events: ${err.message}`));
        res.once('close', () => end('the /events connection closed'));
      });
      req.once('error', (err) => {
        reject(new Error(`${this.label}: GET /events at ${this.base}: ${err.message}`));
        end(`/events: ${err.message}`);
      });
    });
  }
}
