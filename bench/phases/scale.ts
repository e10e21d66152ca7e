// Scale: generated trees of 11 to 10,000 servers, each size in a fresh process (so its
// memory is its own; bench/scale-run.ts is that process). For each: start-up, time to full
// convergence, resident memory and V8 heap per known host record; then, unless asked not
// to, convergence after a quit by a client on a leaf at one end of the tree's diameter (the
// news must cross the whole tree) and by one on the tree's centre (half of it), and
// throughput along the longest path. Knowledge comes as digests by default (one event per
// learned host would be 10^8 events at 10,000 servers). `npm run bench:scale` and the scale
// phase of `npm run bench` both run this.
import { spawn } from 'node:child_process';
import type { RecordableHistogram } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { readFileSync } from 'node:fs';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { KnowledgeMode } from '../../src/threads/worker-api.ts';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { diameter, resolveTopology, serverDistances } from '../../src/topology/generate.ts';
import { parseTopology } from '../../src/topology/schema.ts';
import type { LoadResult } from '../load/load-task.ts';
import { type Percentiles, type Progress, freshId, percentiles } from './common.ts';
import { measureQuit } from './convergence.ts';

export interface ScaleOptions {
  /** quits to measure per size; 0: measure start-up, convergence and memory only */
  repeats: number;
  /** load along the longest path, ms; 0: none */
  durationMs: number;
  /** convergence timeout, ms */
  timeoutMs?: number;
  /** how nodes report what they know (default 'digest') */
  knowledge?: KnowledgeMode;
  /** node processes for the servers' threads (placement hosts); absent: all in this process (workers) */
  hosts?: number;
  /** node flags for each node process (placement hosts), e.g. --max-semi-space-size=2 */
  hostNodeArgs?: string[];
}

export interface ScaleMeasurement {
  topology: string;
  servers: number;
  clients: number;
  diameter: number;
  serversPerWorker: number;
  serverWorkers: number;
  startMs: number;
  convergeMs: number;
  /** whole process (all threads), after convergence */
  rssBytes: number;
  maxRssBytes: number;
  knowledge?: KnowledgeMode;
  /** host records in all tables when converged: each server knows every other host, each client every other client */
  records?: number;
  /** V8 heap in use, summed over every worker, after convergence */
  heapBytes?: number;
  /** file descriptors the run needs (listeners, both ends of each link, clients), and the limit */
  fds?: { needed: number; limit: number };
  /** placement hosts: each node process as it measured itself after convergence (its peak RSS, its descriptors) */
  hostProcesses?: Array<{ label: string; rssBytes: number; peakRssBytes: number; fds: number; threads: number }>;
  /** CPU time of this process and its node processes' (user + system, ms), start to convergence */
  cpuMs?: number;
  /** convergence timed out (convergeMs is then the time given up at): records known by then, from the digests */
  timedOut?: boolean;
  knownRecords?: number;
  /** a client on a leaf at one end of the diameter quits: until every node forgot it */
  quitMs?: Percentiles;
  /** a client on the tree's centre quits (eccentricity = radius hops) */
  quitCenterMs?: Percentiles;
  radius?: number;
  longestPath?: { msgsPerSec: number; latencyUs: Percentiles; lost: number; duplicated: number; reordered: number; window: number; size: number };
}

/** A row of the bench report: every part measured. */
export type ScaleRow = ScaleMeasurement & Required<Pick<ScaleMeasurement, 'quitMs' | 'longestPath'>>;
export const isFullRow = (r: ScaleMeasurement): r is ScaleRow => r.quitMs !== undefined && r.longestPath !== undefined;

/**
 * Placement: one worker per server up to 11; beyond, enough servers per worker to keep ~10-50
 * threads on 2 cores (each thread costs ~10 MiB before it hosts anything).
 */
export const placement = (n: number) => (n <= 11 ? 1 : n <= 100 ? 10 : n <= 1000 ? 50 : n <= 5000 ? 100 : 200);

export const scaleSpec = (n: number) => (n === 11 ? 'middle-earth' : `tree:${n}:7`);

const QUITTER = 500_001;
const FAR_END = 500_002;
const CENTRE = 500_003;
const WINDOW = 256;
const SIZE = 64;

/**
 * A size's tree. For quits and load, its servers with one client at each end of its diameter
 * (the quitter and the far end); for start-up and memory alone, as generated (middle-earth
 * with its 8 clients, trees with none), so those figures compare with earlier runs.
 */
function scaleTopology(n: number, ends: boolean) {
  const base = resolveTopology(scaleSpec(n));
  const d = diameter(base);
  // The centre: the middle of the diameter path (its eccentricity is the radius, ceil(hops / 2)).
  const fromA = serverDistances(base, d.from);
  const fromB = serverDistances(base, d.to);
  const half = Math.floor(d.hops / 2);
  const centre = base.servers.find((s) => fromA.get(s.id) === half && fromB.get(s.id) === d.hops - half)!.id;
  const radius = d.hops - half;
  if (!ends) return { topology: base, d, centre, radius };
  const topology = parseTopology({
    ...base,
    clients: [
      { id: QUITTER, name: 'end-a', info: 'bench', server: d.from },
      { id: FAR_END, name: 'end-b', info: 'bench', server: d.to },
      { id: CENTRE, name: 'centre', info: 'bench', server: centre },
    ],
  }, base.name);
  return { topology, d, centre, radius };
}

/** The soft limit on open files of this process (Linux /proc), or undefined where unknown. */
export function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? (m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1])) : undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors a tree of `servers` needs in this one process: a listener each, both ends of every link, a socket per client end, some spare. */
export const fdsNeeded = (servers: number, clients: number) => servers + 2 * (servers - 1) + 2 * clients + 256;

/** One size, in this process (run by scale-run.ts, in a fresh one). */
export async function measureScale(n: number, opts: ScaleOptions, progress: Progress, log: (l: string) => void): Promise<ScaleMeasurement> {
  const { topology, d, radius } = scaleTopology(n, opts.repeats > 0 || opts.durationMs > 0);
  const k = placement(n);
  const knowledge = opts.knowledge ?? 'digest';
  const hosts = opts.hosts;
  // With node processes, each holds its share of the descriptors (a link across two holds one end in each).
  const total = fdsNeeded(topology.servers.length, topology.clients.length + (opts.durationMs > 0 ? 2 : 0));
  const fds = { needed: hosts ? Math.ceil(total / hosts) + 256 : total, limit: openFilesLimit() ?? Number.POSITIVE_INFINITY };
  if (fds.needed > fds.limit) {
    throw new Error(`${topology.name} needs about ${fds.needed} file descriptors in ${hosts ? `each of ${hosts} node processes` : 'this process'} (a listener per server, both ends of each of its ${topology.servers.length - 1} links), but ulimit -n is ${fds.limit}: ${hosts ? `use more (--hosts ${Math.ceil(total / (fds.limit - 512))})` : 'spread the servers over node processes (--placement hosts --hosts N)'} or run a smaller size`);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Each node's latest digest count: how many records the network holds so far (told if convergence times out).
  const known = new Map<number, number>();
  const onEvent = knowledge === 'digest' ? (e: { type: string; node?: number; count?: number }) => {
    if (e.type === 'knowledge' && e.node !== undefined) known.set(e.node, e.count ?? 0);
  } : undefined;
  const sim = await Simulation.start({ topology, serversPerWorker: k, knowledge, onEvent, ...(hosts ? { placement: 'hosts' as const, hosts, hostNodeArgs: opts.hostNodeArgs } : {}) });
  try {
    const startMs = performance.now() - t0;
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timedOut = false;
    await sim.converged({ timeoutMs }).catch((err: Error) => {
      if (err.name !== 'ConvergenceTimeout') throw err;
      timedOut = true;
    });
    const convergeMs = performance.now() - t0;
    const mem = await sim.memory();
    const own = process.cpuUsage(cpu0);
    const s = topology.servers.length;
    const c = topology.clients.length;
    const hostRows = mem.hosts?.map((h) => ({ label: h.label, rssBytes: h.rss, peakRssBytes: h.peakRss, fds: h.fds, threads: h.threads, cpuMs: h.cpuMs }));
    const row: ScaleMeasurement = {
      topology: topology.name, servers: s, clients: c, diameter: d.hops,
      serversPerWorker: k, serverWorkers: sim.workers.filter((w) => w.kind === 'servers').length + (hostRows ?? []).reduce((a, h) => a + h.threads, 0),
      startMs, convergeMs,
      // With node processes: the sum over all of them and this one (each process's own peak: an upper bound on the peak of the sum).
      rssBytes: mem.rss + (hostRows ?? []).reduce((a, h) => a + h.rssBytes, 0),
      maxRssBytes: process.resourceUsage().maxRSS * 1024 + (hostRows ?? []).reduce((a, h) => a + h.peakRssBytes, 0),
      knowledge, records: s * (s - 1 + c) + c * Math.max(0, c - 1), heapBytes: mem.heapUsed.reduce((a, b) => a + b, 0), fds,
      hostProcesses: hostRows?.map(({ cpuMs: _, ...h }) => h),
      cpuMs: (own.user + own.system) / 1000 + (hostRows ?? []).reduce((a, h) => a + h.cpuMs, 0),
      ...(timedOut ? { timedOut: true, knownRecords: [...known.values()].reduce((a, b) => a + b, 0) } : {}),
    };
    if (timedOut) {
      progress.tick('scale', `${topology.name}: NOT converged within ${timeoutMs} ms: ${row.knownRecords!.toLocaleString('en-US')} of ${row.records!.toLocaleString('en-US')} records known, ${(row.maxRssBytes / 2 ** 20).toFixed(0)} MiB peak`);
      return row;
    }
    progress.tick('scale', `${topology.name}: converged in ${convergeMs.toFixed(0)} ms, ${(row.maxRssBytes / 2 ** 20).toFixed(0)} MiB peak, ${(row.heapBytes! / row.records!).toFixed(1)} heap bytes per record`);
    if (opts.repeats > 0) {
      const quit = (quitter: number) => measureQuit({ sim, topology, quitter, repeats: opts.repeats, linkLatencyMs: 0, links: 'direct', diameter: d.hops, serversPerWorker: k }, progress, 'scale');
      row.quitMs = (await quit(QUITTER)).ms;
      row.quitCenterMs = (await quit(CENTRE)).ms;
      row.radius = radius;
    }
    if (opts.durationMs > 0) row.longestPath = await longestPath(sim, d, opts.durationMs, progress, log, topology.name);
    return row;
  } finally {
    await sim.stop();
  }
}

async function longestPath(sim: Simulation, d: { hops: number; from: number; to: number }, durationMs: number, progress: Progress, log: (l: string) => void, name: string): Promise<ScaleMeasurement['longestPath']> {
  const pool = new Piscina({ filename: builtUrl('bench/load/load-task').href, minThreads: 1, maxThreads: 1 });
  try {
    const r = (await pool.run({
      mode: 'crc', senderPort: sim.port(d.from), receiverPort: sim.port(d.to), senderId: freshId(), receiverId: freshId(),
      window: WINDOW, size: SIZE, durationMs, timeoutMs: 30_000,
    })) as LoadResult;
    if (r.error) log(`scale ${name} longest path: ${r.error}`);
    const msgsPerSec = r.elapsedMs > 0 ? (r.delivered / r.elapsedMs) * 1000 : 0;
    progress.tick('scale', `${name}: ${Math.round(msgsPerSec).toLocaleString('en-US')} msgs/s over ${d.hops} hops`);
    return {
      msgsPerSec, latencyUs: percentiles(r.latency as RecordableHistogram), lost: r.lost, duplicated: r.duplicated, reordered: r.reordered,
      window: WINDOW, size: SIZE,
    };
  } finally {
    await pool.destroy();
  }
}

/** What scale-run.ts prints, one JSON object a line. */
export type ScaleRunLine = { tick: string } | { note: string } | { row: ScaleMeasurement };

const RUNNER = fileURLToPath(new URL('../scale-run.js', import.meta.url));

/** One size in a fresh process: its progress relayed as it comes, its row when it ends. */
function runFresh(n: number, opts: ScaleOptions, progress: Progress, log: (l: string) => void): Promise<ScaleMeasurement> {
  // --expose-gc: the heap figures are live bytes (each worker collects before it reports).
  const args = ['--expose-gc', RUNNER, '--size', String(n), '--repeats', String(opts.repeats), '--duration-ms', String(opts.durationMs)];
  if (opts.timeoutMs !== undefined) args.push('--timeout-ms', String(opts.timeoutMs));
  if (opts.knowledge !== undefined) args.push('--knowledge', opts.knowledge);
  if (opts.hosts !== undefined) args.push('--hosts', String(opts.hosts));
  if (opts.hostNodeArgs?.length) args.push(`--host-node-args=${opts.hostNodeArgs.join(' ')}`); // '=': the value starts with a dash
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let row: ScaleMeasurement | undefined;
  createInterface({ input: child.stdout }).on('line', (l) => {
    let m: ScaleRunLine;
    try {
      m = JSON.parse(l) as ScaleRunLine;
    } catch {
      return log(`scale ${scaleSpec(n)}: ${l}`); // something else printed; keep it
    }
    if ('tick' in m) progress.tick('scale', m.tick);
    else if ('note' in m) log(m.note);
    else row = m.row;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && row) resolve(row);
      else reject(new Error(`scale ${scaleSpec(n)}: the measuring process exited with ${code}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

/** Every size, each in a fresh process, one after another. */
export async function runScale(opts: ScaleOptions & { sizes: number[] }, progress: Progress, log: (l: string) => void): Promise<ScaleMeasurement[]> {
  progress.phase('scale', opts.sizes.length * (1 + 2 * opts.repeats + (opts.durationMs > 0 ? 1 : 0)));
  const rows: ScaleMeasurement[] = [];
  try {
    for (const n of opts.sizes) rows.push(await runFresh(n, opts, progress, log));
  } finally {
    progress.done('scale');
  }
  return rows;
}
