// The two proxy processes the toxiproxy comparison drives, both over toxiproxy's HTTP API with
// the same calls: upstream toxiproxy (its unmodified binary from ../shared/anchors/toxiproxy,
// relative to the repo root; never copied into the repo) and our crc-proxy (bin/crc-proxy).
// Their CPU time is read from /proc/PID/stat (every thread of the process).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LatenessStats } from '../../src/faults/scheduler.ts';
import { Child } from '../../src/placement/child.ts';
import { HOST } from './measure.ts';

const REPO_ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));
export const TOXIPROXY_SERVER = `${REPO_ROOT}../shared/anchors/toxiproxy/toxiproxy-server`;
const CRC_PROXY_BIN = `${REPO_ROOT}bin/crc-proxy`;
const START_TIMEOUT_MS = 15_000;

export interface ProxyProcess {
  label: 'toxiproxy' | 'crc-proxy';
  /** http://host:port of its API */
  api: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** Why the toxiproxy comparison cannot run here, or undefined when it can. */
export function toxiproxyMissing(): string | undefined {
  if (!existsSync(TOXIPROXY_SERVER)) return `no upstream toxiproxy at ${TOXIPROXY_SERVER}`;
  if (!existsSync('/proc/self/stat')) return 'no /proc/PID/stat to read the proxies\' CPU from';
  return undefined;
}

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const s = net.createServer().once('error', reject);
  s.listen(0, HOST, () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});

async function call(api: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(api + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${api} ${method} ${path}: HTTP ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function waitForApi(child: Child, api: string): Promise<string> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      return (await call(api, 'GET', '/version')).version as string;
    } catch (err) {
      if (!child.alive || performance.now() > deadline) throw new Error(`${child.label}: API ${api} not up: ${(err as Error).message}${child.tail()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function wrap(label: ProxyProcess['label'], child: Child, api: string, version: string): ProxyProcess {
  return {
    label, api, version, pid: child.process.pid!,
    // SIGTERM: crc-proxy exits cleanly (and writes its --cpu-prof profile).
    stop: () => (child.kill('SIGTERM'), child.waitOrKill(5000)),
  };
}

/** Upstream toxiproxy on a free port (it has no port 0: one is picked, then handed over). */
export async function startToxiproxy(): Promise<ProxyProcess> {
  const port = await freePort();
  const child = new Child({ label: 'toxiproxy-server', command: TOXIPROXY_SERVER, args: ['-host', HOST, '-port', String(port)] });
  const api = `http://${HOST}:${port}`;
  return wrap('toxiproxy', child, api, await waitForApi(child, api));
}

/** bin/crc-proxy (built), or another build's `entry` (its dist/src/cli/crc-proxy.js), with `nodeArgs` (say --cpu-prof) for node. */
export async function startCrcProxy(nodeArgs: string[] = [], entry = CRC_PROXY_BIN): Promise<ProxyProcess> {
  const child = new Child({ label: 'crc-proxy', command: process.execPath, args: [...nodeArgs, entry, '--port', '0', '--quiet'] });
  const [m] = await child.waitForLines([/API listening on (http:\/\/\S+)/], START_TIMEOUT_MS);
  const api = m![1]!;
  return wrap('crc-proxy', child, api, await waitForApi(child, api));
}

// ---- the same API calls to both ----

/** POST /proxies; resolves with the listen port the proxy chose. */
export async function createProxy(api: string, name: string, upstreamPort: number): Promise<number> {
  const p = await call(api, 'POST', '/proxies', { name, listen: `${HOST}:0`, upstream: `${HOST}:${upstreamPort}` });
  return Number(String(p.listen).split(':').pop());
}

/** POST /proxies/{name}/toxics: a latency toxic (no jitter) on the upstream stream. */
export async function addLatency(api: string, name: string, ms: number): Promise<void> {
  await call(api, 'POST', `/proxies/${name}/toxics`, { type: 'latency', stream: 'upstream', attributes: { latency: ms, jitter: 0 } });
}

export const deleteProxy = (api: string, name: string): Promise<void> => call(api, 'DELETE', `/proxies/${name}`);

/** crc-proxy only: how late its toxics' timers ran since the last call (GET /crc/timers?reset=true). */
export const crcTimerLateness = (api: string): Promise<LatenessStats> => call(api, 'GET', '/crc/timers?reset=true');

// ---- CPU of a process, from the kernel ----

let ticksPerSecond: number | undefined;

/** User + system CPU seconds of process `pid` so far (all its threads). */
export function processCpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

// ---- how the kernel scheduled a process ----

/** The kernel's scheduler counters summed over a process's threads (/proc/PID/task/TID/schedstat). */
export interface SchedSample {
  /** ns on a CPU */
  runNs: number;
  /** ns runnable but waiting for a CPU */
  waitNs: number;
  /** times a thread got a CPU: its wake-ups, roughly */
  slices: number;
}

/** undefined: no schedstat here (a kernel without CONFIG_SCHED_INFO). */
export function processSchedStat(pid: number): SchedSample | undefined {
  const dir = `/proc/${pid}/task`;
  if (!existsSync(`${dir}/${pid}/schedstat`)) return undefined;
  const sum: SchedSample = { runNs: 0, waitNs: 0, slices: 0 };
  for (const tid of readdirSync(dir)) {
    let fields: number[];
    try {
      fields = readFileSync(`${dir}/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    } catch {
      continue; // the thread ended since the listing
    }
    sum.runNs += fields[0]!;
    sum.waitNs += fields[1]!;
    sum.slices += fields[2]!;
  }
  return sum;
}
