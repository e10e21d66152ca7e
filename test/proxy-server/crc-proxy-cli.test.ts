// bin/crc-proxy as a real process: the stdout line with the API port, --config, a toxiproxy
// request over the wire, SIGTERM shutdown (exit 0, proxies closed), and usage errors.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Proc, ROOT } from '../cli/helpers.ts';
import { CrcProxyClient } from '../../src/proxy-server/client.ts';
import { Cleanup, Peer, waitFor } from '../faults/helpers.ts';

const cleanup = new Cleanup();
const procs: Proc[] = [];
afterEach(async () => {
  for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
  await Promise.all(procs.splice(0).map((p) => p.exit));
  await cleanup.run();
});

function crcProxy(args: string[]): Proc {
  const child = spawn(process.execPath, ['bin/crc-proxy', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const p = new Proc(child, 'crc-proxy');
  procs.push(p);
  return p;
}

const API_LINE = /^crc-proxy API listening on http:\/\/127\.0\.0\.1:(\d+)\n/m;

describe('bin/crc-proxy', () => {
  it('prints its API port, populates --config, serves toxiproxy requests, exits 0 on SIGTERM with its proxies closed', async () => {
    const echo = await cleanup.server(true);
    const dir = mkdtempSync(join(tmpdir(), 'crc-proxy-'));
    const config = join(dir, 'proxies.json');
    writeFileSync(config, JSON.stringify([{ name: 'gondor-rohan', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }]));
    const p = crcProxy(['--port', '0', '--config', config]);
    const port = Number((await p.out(API_LINE, 10_000))[1]);
    const client = new CrcProxyClient(`http://127.0.0.1:${port}`);
    const proxy = (await client.proxies())['gondor-rohan']!;
    expect(proxy).toMatchObject({ upstream: `127.0.0.1:${echo.port}`, enabled: true });
    await client.addToxic('gondor-rohan', { type: 'latency', attributes: { latency: 1 } });
    const link = Number(proxy.listen.split(':').pop());
    const c = await cleanup.client(link);
    c.write('hi');
    await waitFor(() => c.received().toString() === 'hi', 5000, 'echo through crc-proxy');

    p.child.kill('SIGTERM');
    expect(await p.exitWithin(10_000)).toEqual({ code: 0, signal: null });
    expect(p.stderr).toMatch(/SIGTERM: shutting down/);
    await waitFor(() => c.closedAt !== undefined, 3000, 'the proxied connection closed');
    await expect(Peer.connect(link)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(Peer.connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a bad --config names the file and the field, exit 1; a bad flag is a usage error, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crc-proxy-'));
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify([{ name: 'a', listen: '127.0.0.1:0' }]));
    const bad = crcProxy(['--port', '0', '--config', config, '--quiet']);
    expect((await bad.exitWithin(10_000)).code).toBe(1);
    expect(bad.stderr).toContain(`${config}: 0.upstream:`);
    const usage = crcProxy(['--port', 'x']);
    expect((await usage.exitWithin(10_000)).code).toBe(2);
    expect(usage.stderr).toMatch(/--port must be an integer/);
  });

  it('warns when the API is not on loopback', async () => {
    const p = crcProxy(['--port', '0', '--host', '0.0.0.0']);
    await p.out(/crc-proxy API listening on http:\/\/0\.0\.0\.0:\d+/, 10_000);
    expect(p.stderr).toMatch(/warning: .*no authentication/);
  });
});
