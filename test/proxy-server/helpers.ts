// An in-process crc-proxy API on port 0 for the proxy-server tests (not a test file itself).
import { CrcProxyClient } from '../../src/proxy-server/client.ts';
import { type CrcProxyServerOptions, CrcProxyServer } from '../../src/proxy-server/http-server.ts';
import { waitFor } from '../wait.ts';

export interface Api {
  server: CrcProxyServer;
  url: string;
  client: CrcProxyClient;
  logs: string[];
  /** fetch `path` with a JSON body; the status and the parsed body (text if not JSON) */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function startApi(options: CrcProxyServerOptions = {}): Promise<Api> {
  const logs: string[] = [];
  const server = new CrcProxyServer({ port: 0, ...options, log: (l) => logs.push(l) });
  const port = await server.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    server, url, logs, client: new CrcProxyClient(url),
    async call(method, path, body, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/** Poll an async condition until it holds or the deadline passes (a bound, not a timing check). */
export async function until(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await waitFor(fn, timeoutMs, what);
}
