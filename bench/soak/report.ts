// The soak report: honest traffic clean and under attack side by side, then what each attack
// did and what the server did to it (from outside, and from the target's own /metrics and log).
import type { MachineInfo } from '../../src/util/machine.ts';
import type { AttackResult } from '../../src/check/hostile/attack.ts';
import { COUNTERS, GAUGES, type PhaseResult } from './phase.ts';

export interface SoakReport {
  command: string;
  date: string;
  machine: MachineInfo;
  seconds: number;
  clean: PhaseResult;
  attacked: PhaseResult;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (us: number) => (us / 1000).toFixed(2);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const s = (x: number) => (x / 1000).toFixed(1);

/** What the server held for an attack at most: the gauges that attack presses on. */
const HELD: Record<string, Array<[string, (v: number) => string, string]>> = {
  'registration flood': [['crc_known_hosts', n, 'hosts known']],
  'status flood': [],
  'connection storm': [['crc_connections{peer="pending"}', n, 'unregistered connections open']],
  drip: [['crc_partial_frame_bytes', n, 'bytes of unfinished frames'], ['crc_partial_frame_buffer_bytes', n, 'bytes allocated for them']],
  stall: [['crc_send_queue_bytes', (v) => `${mib(v)} MiB`, 'in send queues'], ['crc_connections_reads_held{peer="client"}', n, 'clients not read'], ['crc_connections_reads_held{peer="server"}', n, 'server links not read']],
};

function cutCell(a: AttackResult): string {
  if (a.cutAfterMs === null) return a.cut > 0 ? `${a.cut} of ${a.connections} closed` : 'none closed';
  const { min, p50, max } = a.cutAfterMs;
  return `${a.cut} of ${a.connections} closed, after ${s(min)} / ${s(p50)} / ${s(max)} s (min / median / max)`;
}

export function renderSoak(r: SoakReport): string {
  const { clean, attacked } = r;
  const m = r.machine;
  const row = (name: string, p: PhaseResult) => {
    const h = p.honest;
    return `| ${name} | ${n(h.msgsPerSec)} | ${ms(h.latencyUs.p50)} | ${ms(h.latencyUs.p99)} | ${ms(h.latencyUs.max)} | ${n(h.delivered)} | ${h.lost} | ${mib(p.peakRssBytes)} | ${h.errors.length ? h.errors.join('; ') : '–'} |`;
  };
  const ratio = clean.honest.msgsPerSec > 0 ? attacked.honest.msgsPerSec / clean.honest.msgsPerSec : NaN;
  const lines = [
    '# Soak: honest traffic while hostile peers flood, drip and stall',
    '',
    `Command: \`${r.command}\` — ${r.date}`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, commit ${m.commit}${m.dirty ? ' (uncommitted changes)' : ''}`,
    '',
    `Middle-earth (11 servers, one worker thread each, default limits), ${clean.honest.pairs} honest sender/receiver pairs`,
    `(bench/load, ${clean.honest.size} B chats, ${clean.honest.window} in flight) for ${r.seconds} s: once on a clean tree, once on a fresh tree`,
    'while hostile peers on this thread attack servers 7 and 2 (a second in, until the end). Latency is one-way.',
    'Peak RSS is this whole process (servers, load workers, attackers).',
    '',
    '## Honest traffic',
    '',
    '| run | msgs/s | p50 (ms) | p99 (ms) | max (ms) | delivered | lost | peak RSS (MiB) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    row('clean', clean),
    row('under attack', attacked),
    '',
    `Under attack: ${(ratio * 100).toFixed(0)}% of the clean throughput, p99 ${ms(attacked.honest.latencyUs.p99)} ms against ${ms(clean.honest.latencyUs.p99)} ms.`,
    `Heap and Buffers at most: the eleven server threads together ${mib(attacked.peakServerHeapsBytes)} MiB under attack (clean: ${mib(clean.peakServerHeapsBytes)} MiB),`,
    `the attackers' thread ${mib(attacked.peakMainHeapBytes)} MiB (clean: ${mib(clean.peakMainHeapBytes)} MiB for the sampling alone).`,
    ...(attacked.attacks.some((a) => a.attack === 'registration flood')
      ? [`The registration flood brought up to ${n(Math.max(...Object.values(attacked.targets).map((t) => t.peaks.crc_known_hosts ?? 0)))} hosts into every server's table (at most --max-hosts, 100,000 by default).`]
      : []),
    '',
    '## Attacks and what the server did',
    '',
    'Closed = the server closed the connection (for a stall, the staller: its feeder then gets "Unknown ID"); the time counts from when it',
    'had cause (connecting, the first dripped byte\'s header, the first chat to a staller), as the attackers\' thread saw it: that thread shares the',
    'cores with the servers and the load, so it sees a close late when they are busy; the servers\' own log lines below give the times they measured.',
    'Held = the target\'s gauge at its peak (sampled every 250 ms).',
    '',
    '| attack | target | what the peers did | what the server did | held at most | notes |',
    '|---|---:|---|---|---|---|',
    ...attacked.attacks.map((a) => {
      const peaks = attacked.targets[a.target]!.peaks;
      const held = (HELD[a.attack] ?? []).map(([g, f, what]) => `${f(peaks[g] ?? 0)} ${what}`).join('; ') || '–';
      return `| ${a.attack} | ${a.target} | ${a.did} | ${cutCell(a)} | ${held} | ${a.notes.join('; ') || '–'} |`;
    }),
    '',
    '## The targets\' counters and peaks (attacked run)',
    '',
    `| metric | server ${Object.keys(attacked.targets).join(' | server ')} |`,
    `|---|${Object.keys(attacked.targets).map(() => '---:').join('|')}|`,
    ...COUNTERS.map((c) => `| ${c} | ${Object.values(attacked.targets).map((t) => n(t.counters[c] ?? 0)).join(' | ')} |`),
    ...GAUGES.map((g) => `| ${g} (peak) | ${Object.values(attacked.targets).map((t) => (g === 'thread heap and buffers' ? `${mib(t.peaks[g] ?? 0)} MiB` : n(t.peaks[g] ?? 0))).join(' | ')} |`),
    '',
    '## What the targets logged (the first line of each kind)',
    '',
    ...Object.entries(attacked.targets).flatMap(([id, t]) => [`Server ${id}:`, '', '```', ...t.lines, '```', '']),
  ];
  return lines.join('\n');
}
