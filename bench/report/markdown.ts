// results/latest.md: every table, and each goal marked met or missed from this run's numbers.
import type { MachineInfo } from '../../src/util/machine.ts';
import type { ConvergenceRow, RegistrationRow } from '../phases/convergence.ts';
import type { Percentiles } from '../phases/common.ts';
import type { WakeupRow } from '../wakeup.ts';
import type { ScaleRow } from '../phases/scale.ts';
import type { SilentPartitionRow } from '../phases/silent-partition.ts';
import { silentPartitionGoals, silentPartitionSection } from './silent-partition.ts';
import type { ThroughputRow } from '../phases/throughput.ts';

export interface BenchReport {
  command: string;
  started: string;
  finished: string;
  quick: boolean;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  throughput: ThroughputRow[];
  convergence: ConvergenceRow[];
  registration: RegistrationRow[];
  scale: ScaleRow[];
  /** absent in reports written before the phase existed */
  silentPartition?: SilentPartitionRow[];
  /** the convergence phase's floor: thread wake-ups, and a code-free flood over the same threads (absent in older reports) */
  wakeup?: { rows: WakeupRow[]; flood: Percentiles | null };
  notes: string[];
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null; // null: not measured in this run
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mark = (g: Goal) => (g.met === null ? 'not measured' : g.met ? '**met**' : '**missed**');

/** Per-run ratios of crc to the raw chain for a hop goal case: rows with the same round pair up (no round: the one run). */
export function hopRatios(r: BenchReport, hops: number): { ratios: number[]; median: number; min: number; max: number } | null {
  const at = (system: string) => r.throughput.filter((t) => t.system === system && t.hops === hops && t.window === 256 && t.size === 64);
  const raw = at('raw');
  const ratios = at('crc').flatMap((c) => {
    const chain = raw.find((x) => x.round === c.round);
    return chain && chain.msgsPerSec > 0 ? [c.msgsPerSec / chain.msgsPerSec] : [];
  }).sort((a, b) => a - b);
  if (!ratios.length) return null;
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { ratios, median, min: ratios[0]!, max: ratios[ratios.length - 1]! };
}

export function goals(r: BenchReport): Goal[] {
  const find = (system: string, hops: number, window: number, size: number) =>
    r.throughput.find((t) => t.system === system && t.hops === hops && t.window === window && t.size === size);
  const out: Goal[] = [];
  const crc = find('crc', 3, 256, 64);
  // The hop against the raw relay chain over the same hops, in the same run: the median of the
  // per-run ratios (crc and raw alternated), with their spread (issue 21's goals).
  for (const [hops, share] of [[3, 0.8], [5, 0.65]] as const) {
    const h = hopRatios(r, hops);
    out.push({
      goal: `${hops}-hop throughput ≥ ${share * 100}% of the raw relay chain (64 B chats, window 256, median of runs in one bench)`,
      measured: h ? `${f(h.median * 100, 0)}% (median of ${h.ratios.length}; spread ${f(h.min * 100, 0)}–${f(h.max * 100, 0)}%)` : 'not run',
      met: h ? h.median >= share : null,
    });
  }
  out.push({
    goal: '3-hop throughput > 100,000 msgs/s for 64 B chats with 256 in flight',
    measured: crc ? `${n0(crc.msgsPerSec)} msgs/s` : 'not run',
    met: crc ? crc.msgsPerSec > 100_000 : null,
  });
  const w1 = find('crc', 3, 1, 64) ?? find('crc', 3, 1, 16);
  out.push({
    goal: '3-hop one-way latency at window 1: p50 < 0.5 ms',
    measured: w1 ? `p50 ${f(w1.latencyUs.p50 / 1000, 3)} ms (${w1.size} B)` : 'not run',
    met: w1 ? w1.latencyUs.p50 < 500 : null,
  });
  out.push({
    goal: '3-hop one-way latency at window 1: p99 < 2 ms',
    measured: w1 ? `p99 ${f(w1.latencyUs.p99 / 1000, 3)} ms` : 'not run',
    met: w1 ? w1.latencyUs.p99 < 2000 : null,
  });
  const placement = (k: number) => (k === 1 ? 'one server per worker' : `${k} servers per worker`);
  for (const c0 of r.convergence.filter((c) => c.linkLatencyMs === 0 && c.topology === 'middle-earth')) {
    out.push({
      goal: `quit convergence, no injected latency (middle-earth, ${placement(c0.serversPerWorker)}): median < 1.5 ms`,
      measured: `median ${f(c0.ms.p50, 3)} ms over ${c0.repeats}`,
      met: c0.ms.p50 < 1.5,
    });
    // Against the machine's own floor in the same run: the code-free flood over the same threads.
    const flood = r.wakeup?.flood;
    if (c0.serversPerWorker === 1 && flood) {
      out.push({
        goal: 'quit convergence, no injected latency (middle-earth, one server per worker): median ≤ 1.5 × the code-free flood\'s over the same threads (same run)',
        measured: `${f(c0.ms.p50 / flood.p50, 2)} × (${f(c0.ms.p50, 3)} against ${f(flood.p50, 3)} ms)`,
        met: c0.ms.p50 <= 1.5 * flood.p50,
      });
    }
    out.push({
      goal: `quit convergence, no injected latency (middle-earth, ${placement(c0.serversPerWorker)}): p99 < 5 ms`,
      measured: `p99 ${f(c0.ms.p99, 3)} ms`,
      met: c0.ms.p99 < 5,
    });
  }
  if (!r.convergence.some((c) => c.linkLatencyMs === 0)) out.push({ goal: 'quit convergence, no injected latency', measured: 'not run', met: null });
  for (const c of r.convergence.filter((x) => x.linkLatencyMs > 0)) {
    out.push({
      goal: `quit convergence with ${c.linkLatencyMs} ms per link (${placement(c.serversPerWorker)}): median within 5% + 2 ms of the bound (${f(c.lowerBoundMs, 0)} ms)`,
      measured: `median ${f(c.ms.p50)} ms, allowance ${f(c.allowanceMs!)} ms`,
      met: c.ms.p50 <= c.allowanceMs!,
    });
  }
  out.push(...silentPartitionGoals(r.silentPartition ?? []));
  const runs = [...r.throughput, ...r.scale.map((s) => ({ ...s.longestPath, errors: [] as string[] }))];
  const bad = runs.filter((t) => t.lost || t.duplicated || t.reordered || (t.errors?.length ?? 0) > 0);
  out.push({
    goal: 'no message lost, duplicated or reordered in any run',
    measured: runs.length ? `${runs.length} runs, ${bad.length} with loss/dup/reorder/errors` : 'not run',
    met: runs.length ? bad.length === 0 : null,
  });
  return out;
}

export function renderMarkdown(r: BenchReport, jsonPath: string, charts: string[]): { text: string; summary: string } {
  const g = goals(r);
  const m = r.machine;
  const L: string[] = [];
  L.push('# crc-sim benchmark', '');
  L.push(`Command: \`${r.command}\``, '');
  L.push(`Run: ${r.started} → ${r.finished}${r.quick ? ' (**quick smoke run: numbers not comparable**)' : ''}`, '');
  L.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}, commit ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}`, '');
  L.push(`Raw figures: \`${jsonPath}\`. Servers run one per worker thread; load comes from a piscina pool of load workers; sender and receiver of a pair share a thread, so one clock stamps send and delivery.`, '');
  L.push('## Goals', '', '| goal | measured | result |', '|---|---|---|');
  for (const x of g) L.push(`| ${x.goal} | ${x.measured} | ${mark(x)} |`);
  L.push('');

  if (r.throughput.length) {
    L.push('## Routing throughput (middle-earth, servers in workers)', '');
    L.push('One sender/receiver pair per case, pipelined with `window` chats in flight, for the set duration. `raw` = a TCP relay chain with the same number of hops that forwards bytes unparsed; `decode` = the same chain decoding frames and forwarding their bytes. Latency is one-way, µs.', '');
    L.push('| hops | window | size (B) | ours msgs/s | MB/s | raw msgs/s | decode msgs/s | ours/raw | ours/decode | p50 | p90 | p99 | max | lost | dup | reordered |');
    L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const first = r.throughput.filter((x) => (x.round ?? 1) === 1);
    for (const t of first.filter((x) => x.system === 'crc')) {
      const raw = first.find((x) => x.system === 'raw' && x.hops === t.hops && x.window === t.window && x.size === t.size);
      const dec = first.find((x) => x.system === 'decode' && x.hops === t.hops && x.window === t.window && x.size === t.size);
      L.push(`| ${t.hops}${t.hops === 'mix' ? ` (${t.pairs} pairs)` : ''} | ${t.window} | ${t.size} | ${n0(t.msgsPerSec)} | ${f(t.mbPerSec, 1)} | ${raw ? n0(raw.msgsPerSec) : '–'} | ${dec ? n0(dec.msgsPerSec) : '–'} | ${raw ? f(t.msgsPerSec / raw.msgsPerSec) : '–'} | ${dec ? f(t.msgsPerSec / dec.msgsPerSec) : '–'} | ${n0(t.latencyUs.p50)} | ${n0(t.latencyUs.p90)} | ${n0(t.latencyUs.p99)} | ${n0(t.latencyUs.max)} | ${t.lost} | ${t.duplicated} | ${t.reordered} |`);
    }
    L.push('');
    const repeated = [3, 5].map((h) => [h, hopRatios(r, h)] as const).filter(([, x]) => x && x.ratios.length > 1);
    if (repeated.length) {
      L.push('The hop goal cases (window 256, 64 B) were run several times, ours and the raw chain alternated; each run\'s ratio:', '');
      L.push('| hops | runs | ours / raw per run | median | spread |', '|---:|---:|---|---:|---:|');
      for (const [h, x] of repeated) L.push(`| ${h} | ${x!.ratios.length} | ${x!.ratios.map((v) => f(v)).join(', ')} | ${f(x!.median)} | ${f(x!.min)}–${f(x!.max)} |`);
      L.push('');
    }
  }

  if (r.convergence.length) {
    L.push('## Convergence after a quit (middle-earth)', '');
    L.push('From the quit leaving the client until every server and every other client has forgotten it, from the workers\' event timestamps. The quitter (108, sauron) is on barad-dur; the farthest server is 5 links away. Lower bound = the largest sum of injected latencies from its server to any server.', '');
    L.push('Two placements: one server per worker thread (the default) and all eleven servers in one worker. On this 2-core machine every hop between threads waits for the receiving thread to wake, which the second placement avoids for server-to-server hops.', '');
    L.push('| servers/worker | latency per link | links | repeats | min (ms) | median (ms) | p99 (ms) | max (ms) | lower bound (ms) | median / bound | allowance (bound·1.05 + 2) |');
    L.push('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of r.convergence) {
      L.push(`| ${c.serversPerWorker} | ${c.linkLatencyMs} ms | ${c.links} | ${c.repeats} | ${f(c.ms.min, 3)} | ${f(c.ms.p50, 3)} | ${f(c.ms.p99, 3)} | ${f(c.ms.max, 3)} | ${f(c.lowerBoundMs, 1)} | ${c.ratioToBound === null ? '–' : f(c.ratioToBound, 3)} | ${c.allowanceMs === null ? '–' : f(c.allowanceMs, 1)} |`);
    }
    L.push('');
  }
  if (r.wakeup) {
    L.push('## The floor under a cross-thread hop', '');
    L.push('One message in flight between this thread and a worker; one way = half the round trip. "asleep": a 2 ms pause before each exchange, so the other thread sleeps as a server\'s does when a quit reaches it. The flood sends one byte from 108\'s socket through the same tree of threads as one server per worker (and a clients\' worker), joined by loopback TCP, each node forwarding it to all its other sockets, with no CRC code: what convergence costs on this machine before any of ours.', '');
    L.push('| channel | state | p50 (µs) | p99 (µs) | max (µs) |', '|---|---|---:|---:|---:|');
    for (const w of r.wakeup.rows) L.push(`| ${w.channel === 'port' ? 'MessagePort' : 'TCP loopback'} | ${w.state} | ${n0(w.oneWayUs.p50)} | ${n0(w.oneWayUs.p99)} | ${n0(w.oneWayUs.max)} |`);
    const fl = r.wakeup.flood;
    if (fl) L.push('', `Flood over middle-earth from 108, a thread per server (${fl.count} rounds): min ${f(fl.min, 3)} ms, median ${f(fl.p50, 3)} ms, p99 ${f(fl.p99, 3)} ms, max ${f(fl.max, 3)} ms.`);
    L.push('');
  }
  if (r.registration.length) {
    L.push('## Registration convergence (middle-earth, no injected latency)', '');
    L.push('From the registration leaving the newcomer until every node that should know it does.', '');
    L.push('| servers/worker | newcomer | repeats | min (ms) | median (ms) | p99 (ms) | max (ms) |', '|---:|---|---:|---:|---:|---:|---:|');
    for (const x of r.registration) L.push(`| ${x.serversPerWorker} | ${x.kind} | ${x.repeats} | ${f(x.ms.min, 3)} | ${f(x.ms.p50, 3)} | ${f(x.ms.p99, 3)} | ${f(x.ms.max, 3)} |`);
    L.push('');
  }
  L.push(...silentPartitionSection(r.silentPartition ?? []));
  if (r.scale.length) {
    L.push('## Scale sweep', '');
    L.push('Trees of growing size; a client at each end of the diameter. Quit convergence = the client at one end quits; throughput = the longest path, window 256, 64 B.', '');
    L.push('| topology | servers | diameter | servers/worker | start-up (ms) | converged (ms) | quit median (ms) | quit p99 (ms) | longest path msgs/s | p50 (µs) | p99 (µs) | lost/dup/reordered |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const s of r.scale) {
      L.push(`| ${s.topology} | ${s.servers} | ${s.diameter} | ${s.serversPerWorker} | ${n0(s.startMs)} | ${n0(s.convergeMs)} | ${f(s.quitMs.p50, 3)} | ${f(s.quitMs.p99, 3)} | ${n0(s.longestPath.msgsPerSec)} | ${n0(s.longestPath.latencyUs.p50)} | ${n0(s.longestPath.latencyUs.p99)} | ${s.longestPath.lost}/${s.longestPath.duplicated}/${s.longestPath.reordered} |`);
    }
    L.push('');
  }
  if (charts.length) {
    L.push('## Charts', '');
    for (const c of charts) L.push(`![${c}](${c.split('/').pop()})`, '');
  }
  if (r.notes.length) L.push('## Notes from the run', '', ...r.notes.map((x) => `- ${x}`), '');

  const summary = ['goal'.padEnd(96) + 'result', ...g.map((x) => `${x.goal.slice(0, 94).padEnd(96)}${x.met === null ? 'not measured' : x.met ? 'met' : 'MISSED'}  (${x.measured})`)].join('\n');
  return { text: L.join('\n'), summary };
}
