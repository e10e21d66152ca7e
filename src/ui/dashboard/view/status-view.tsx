// The bottom lines: delivered chats per second as a sparkline, then elapsed time, seed,
// convergence, load and totals, and what is selected.
import { Box, Text } from 'ink';
import type { Snapshot } from '../state.ts';
import { bytes, clock, count, sparkline } from './format.ts';

export function ThroughputLine({ s, width }: { s: Snapshot; width: number }) {
  const last = s.throughput.at(-1) ?? 0;
  const peak = Math.max(0, ...s.throughput);
  const label = `delivered/s ${count(last).padStart(5)} (peak ${count(peak)})`;
  return (
    <Text wrap="truncate">
      <Text color="cyan">{sparkline(s.throughput, Math.max(10, Math.min(60, width - label.length - 4)))}</Text>  {label}
    </Text>
  );
}

function Convergence({ s }: { s: Snapshot }) {
  if (s.phase) return <Text color="yellow">starting: {s.phase}</Text>;
  if (s.converged === undefined) return <Text color="gray">…</Text>;
  if (s.converged) return <Text color="green">converged ✓</Text>;
  return <Text color="yellow">converging: {s.differing} node{s.differing === 1 ? '' : 's'} differ</Text>;
}

export function StatusLine({ s, selection }: { s: Snapshot; selection: string }) {
  const load = s.load.on ? `load ${s.load.flows}×${s.load.rate}/s, ${count(s.load.sent)} sent` : 'load off (t)';
  return (
    <Text wrap="truncate">
      <Text bold>{clock(s.elapsedMs)}</Text>
      {'  seed '}{s.seed}{'  '}
      <Convergence s={s} />
      {'  '}<Text color={s.load.on ? 'cyan' : 'gray'}>{load}</Text>
      {`  msgs/s in ${count(s.totals.inRate)} out ${count(s.totals.outRate)}  queued ${bytes(s.totals.pending)}  delivered ${count(s.totals.delivered)}`}
      {'  '}<Text color={s.proxied ? 'gray' : 'yellow'}>{s.proxied ? 'proxied links' : 'direct links: no faults'}</Text>
      {'  ▸ '}{selection}{'  '}<Text color="gray">? keys  q quit</Text>
    </Text>
  );
}
