// wait-http, the driver Job's init container: exits 0 once every URL has answered 200, 1 at the
// timeout naming the ones that did not.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';

let hits = 0;
const server = http.createServer((req, res) => {
  if (req.url === '/late') res.writeHead(++hits > 2 ? 200 : 503).end();
  else if (req.url === '/never') res.writeHead(503).end();
  else res.writeHead(200).end('ok');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function waitHttp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/wait-http.js', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('wait-http', { timeout: 40_000 }, () => {
  it('waits for a URL that answers 503 twice, then 200', async () => {
    const r = await waitHttp('--interval-ms', '50', '--timeout-ms', '20000', `${base}/late`, `${base}/health`);
    expect(r.code, r.stderr).toBe(0);
    expect(hits).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toContain(`ready: ${base}/late`);
    expect(r.stdout).toContain(`ready: ${base}/health`);
  });

  it('gives up at the timeout naming what did not answer', async () => {
    const r = await waitHttp('--interval-ms', '50', '--timeout-ms', '300', `${base}/never`, `${base}/health`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`1 of 2 did not answer 200 within 300 ms: ${base}/never`);
  });

  it('refuses what is not a URL', async () => {
    const r = await waitHttp('theshire:9100');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not an http(s) URL: 'theshire:9100'");
  });
});
