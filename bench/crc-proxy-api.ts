// crc-proxy's control API cost: bin/crc-proxy (built) as its own process, driven by
// CrcProxyClient; the server's CPU per request is read from /proc (Linux), so the client's own
// cost (fetch) is not counted. Not the data path: bench/proxy.ts measures LinkProxy's bytes.
// Writes results/quick/crc-proxy-api.json unless --out says where.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { CrcProxyClient } from '../src/proxy-server/client.ts';
import { machineInfo } from '../src/util/machine.ts';

const USAGE = `usage: npm run bench:crc-proxy -- [--pairs N] [--out DIR]

  --pairs N   timed operations of each kind (default 2000, after 300 warm-up)
  --out DIR   where to write crc-proxy-api.json (default results/quick/)
`;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), { pairs: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const pairs = intFlag(values, 'pairs', 10, 1_000_000, 2000);
  const child = spawn(process.execPath, [join(ROOT, 'bin/crc-proxy'), '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`crc-proxy exited (${code}) before listening`)));
      child.stdout.on('data', (d: Buffer) => {
        const m = /listening on http:\/\/[^:]+:(\d+)\n/.exec(String(d));
        if (m) resolve(Number(m[1]));
      });
    });
    const client = new CrcProxyClient(`http://127.0.0.1:${port}`);
    // utime + stime of the server process, in clock ticks (USER_HZ = 100 on Linux).
    const cpuMs = () => {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    };
    await client.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    const measure = async (what: string, op: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 300; i++) await op(-1 - i);
      const c0 = cpuMs();
      const t0 = performance.now();
      for (let i = 0; i < pairs; i++) await op(i);
      const wall = performance.now() - t0;
      const cpu = cpuMs() - c0;
      return { what, requests: 2 * pairs, wallMs: Math.round(wall), requestsPerS: Math.round((2 * pairs) / (wall / 1000)), serverCpuUsPerRequest: Math.round((cpu * 1000) / (2 * pairs)) };
    };
    const rows = [
      await measure('add + remove a latency toxic', async () => {
        await client.addToxic('p', { type: 'latency', name: 't', attributes: { latency: 5 } });
        await client.removeToxic('p', 't');
      }),
      await measure('create + delete a proxy (listen on port 0)', async (i) => {
        await client.createProxy({ name: `q${i}`, listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
        await client.deleteProxy(`q${i}`);
      }),
      await measure('hold + release', async () => {
        await client.hold('p');
        await client.release('p');
      }),
    ];
    const out = values.out ?? join(ROOT, 'results/quick');
    mkdirSync(out, { recursive: true });
    const report = { machine: machineInfo(), pairs, rows };
    writeFileSync(join(out, 'crc-proxy-api.json'), JSON.stringify(report, null, 2) + '\n');
    for (const r of rows) process.stdout.write(`${r.what}: ${r.requestsPerS} req/s, server CPU ${r.serverCpuUsPerRequest} µs/request\n`);
    process.stdout.write(`wrote ${join(out, 'crc-proxy-api.json')}\n`);
  } finally {
    child.kill('SIGTERM');
  }
});
