// The proxy bench's report, CRC part: (d) the 3-hop chain at window 256 per placement, (e) the
// pipe's CPU per byte, (f) injected latency as placed. Tables, the issue's goals, and JSON.
import { CHAIN_CHAT_BYTES, CHAIN_SERVERS, CHAIN_WINDOW, type ChainMode, type ChainRound, PLACED_WINDOW, type PlacedLatencyRow } from './crc-chain.ts';
import type { PipeCpu } from './pipe-cpu.ts';

export interface CrcResults {
  chain: ChainRound[];
  /** the placement the simulator uses by default (the one judged) */
  placement: ChainMode;
  chainSeconds: number;
  pipeCpu: PipeCpu[];
  placed: PlacedLatencyRow[];
  placedSamples: number;
}

const HOPS = CHAIN_SERVERS - 1;
const med = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

export interface ChainSummary {
  mode: ChainMode;
  msgsPerSec: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerMsg: number;
  /** median over rounds of this round's throughput / the same round's direct throughput */
  ratio: number;
  /** median over rounds of (p50 − the same round's direct p50) / hops, µs */
  addedP50PerHopUs: number;
  cpuRatio: number;
}

export function summarizeChain(rounds: ChainRound[]): ChainSummary[] {
  const direct = rounds.find((r) => r.mode === 'direct');
  return rounds.map((r) => ({
    mode: r.mode,
    msgsPerSec: med(r.runs.map((x) => x.msgsPerSec)),
    p50Us: med(r.runs.map((x) => x.latencyUs.p50)),
    p99Us: med(r.runs.map((x) => x.latencyUs.p99)),
    cpuUsPerMsg: med(r.runs.map((x) => x.cpuUsPerMsg)),
    ratio: direct ? med(r.runs.map((x, i) => x.msgsPerSec / direct.runs[i]!.msgsPerSec)) : NaN,
    addedP50PerHopUs: direct ? med(r.runs.map((x, i) => (x.latencyUs.p50 - direct.runs[i]!.latencyUs.p50) / HOPS)) : NaN,
    cpuRatio: direct ? med(r.runs.map((x, i) => x.cpuUsPerMsg / direct.runs[i]!.cpuUsPerMsg)) : NaN,
  }));
}

export interface Goal {
  goal: string;
  value: number;
  unit: string;
  met: boolean;
}

export function renderCrc(r: CrcResults): { json: unknown; table: string[]; goals: Goal[]; notes: string[] } {
  const sum = summarizeChain(r.chain);
  const judged = sum.find((s) => s.mode === r.placement);
  const worstPlaced = Math.max(...r.placed.filter((x) => x.configuredMs > 0).map((x) => Math.abs(x.errorMs.p99)));
  const goals: Goal[] = [
    { goal: `proxies cost at most 10% throughput at window ${CHAIN_WINDOW} (${HOPS}-hop CRC chain, placement '${r.placement}')`, value: judged ? (1 - judged.ratio) * 100 : NaN, unit: '%', met: !!judged && judged.ratio >= 0.9 },
    { goal: `proxies add at most 50 µs per hop at p50 at window ${CHAIN_WINDOW} (placement '${r.placement}')`, value: judged?.addedP50PerHopUs ?? NaN, unit: 'µs', met: !!judged && judged.addedP50PerHopUs <= 50 },
    { goal: `injected latency within ±1 ms at p99 as placed ('${r.placement}'; 1, 10, 100 ms)`, value: worstPlaced, unit: 'ms', met: worstPlaced <= 1 && r.placed.every((x) => x.configuredMs === 0 || x.errorMs.min >= 0) },
  ];
  const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
  const table = [
    `| CRC chain, ${HOPS} hops, window ${CHAIN_WINDOW}, ${CHAIN_CHAT_BYTES} B | chats/s | vs direct | p50 (µs) | p99 (µs) | added p50 per hop (µs) | CPU µs/chat | CPU vs direct |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...sum.map((s) => `| ${s.mode === 'direct' ? 'direct links' : `proxies, placement '${s.mode}'`}${s.mode === r.placement ? ' (default)' : ''} | ${Math.round(s.msgsPerSec).toLocaleString('en')} | ${s.mode === 'direct' ? '100%' : pct(s.ratio)} | ${f0(s.p50Us)} | ${f0(s.p99Us)} | ${s.mode === 'direct' ? '' : f1(s.addedP50PerHopUs)} | ${f2(s.cpuUsPerMsg)} | ${s.mode === 'direct' ? '' : pct(s.cpuRatio)} |`),
    '',
    '| pipe CPU (proxy thread alone), write size | MB/s | ns per byte | ns per write | proxy thread busy |',
    '|---|---:|---:|---:|---:|',
    ...r.pipeCpu.map((c) => `| ${c.chunkBytes.toLocaleString('en')} B | ${f0(c.bytes / c.seconds / 1e6)} | ${f3(c.nsPerByte)} | ${f0(c.nsPerChunk)} | ${pct(c.core)} |`),
    '',
    `| injected latency as placed ('${r.placement}', 1 hop, window ${PLACED_WINDOW}) | chats | error p50 (ms) | error p99 (ms) | error min / max (ms) | proxy timer late p50 / p99 / max (µs) |`,
    '|---|---:|---:|---:|---:|---:|',
    ...r.placed.map((x) => `| ${x.configuredMs === 0 ? 'no toxic (the chain itself)' : `${x.configuredMs} ms`} | ${x.errorMs.count} | ${f3(x.errorMs.p50)} | ${f3(x.errorMs.p99)} | ${f3(x.errorMs.min)} / ${f3(x.errorMs.max)} | ${x.configuredMs === 0 ? '' : `${f1(x.timerLateUs.p50Us)} / ${f1(x.timerLateUs.p99Us)} / ${f1(x.timerLateUs.maxUs)}`} |`),
  ];
  const notes = [
    `- CRC chain: ${CHAIN_SERVERS} of our servers (chain:${CHAIN_SERVERS}), each in its worker thread as the simulator runs them;`,
    `  a load thread keeps ${CHAIN_WINDOW} chats of ${CHAIN_CHAT_BYTES} B in flight from a client of s1 to a client of s${CHAIN_SERVERS} for ${r.chainSeconds} s`,
    '  per run; one Simulation per placement, rounds interleaved; "vs direct" and "added per hop" are medians of',
    '  each round\'s figure against the same round\'s direct run (added per hop = p50 difference / 3). CPU µs/chat',
    '  is the whole process\'s CPU (all threads) per chat delivered: the figure least bent by other load.',
    '- Pipe CPU: one empty proxy in a network worker; a sender writes as fast as the socket takes; the proxy',
    '  thread\'s own CPU time from /proc/thread-self/schedstat, per byte relayed.',
    `- Injected latency as placed: a chain of 2, a latency toxic downstream on its link (placement '${r.placement}'),`,
    `  ${r.placedSamples} chats in windows of ${PLACED_WINDOW}; error = one-way delay (sender and receiver in one thread) minus the`,
    '  configured delay, so it includes both servers\' handling (the "no toxic" row).',
  ];
  return { json: { chain: { summary: sum, rounds: r.chain, seconds: r.chainSeconds, placement: r.placement }, pipeCpu: r.pipeCpu, placedLatency: r.placed }, table, goals, notes };
}
