// The bottom lines: delivered chats per second as a sparkline, then elapsed time, seed,
// convergence, load and totals, and what is selected.
import { Text } from 'ink';
import type { Snapshot } from '../state.ts';
import { bytes, clock, count, sparkline } from './format.ts';

export function ThroughputLine({ s, selection }: { s: Snapshot; selection: string }) {
  const last = s.throughput.at(-1) ?? 0;
  const peak = Math.max(0, ...s.throughput);
  return (
    <Text wrap="truncate">
      <Text color="cyan">{sparkline(s.throughput, 60)}</Text>
      {`  delivered/s ${count(last).padStart(5)} (peak ${count(peak)})`.padEnd(34)}
      {'▸ '}<Text bold>{selection}</Text>
    </Text>
  );
}

function Convergence({ s }: { s: Snapshot }) {
  if (s.phase) return <Text color="yellow">starting: {s.phase}</Text>;
  if (s.converged === undefined) return <Text color="gray">…</Text>;
  if (s.converged) return <Text color="green">converged ✓</Text>;
  return <Text color="yellow">converging: {s.differing} node{s.differing === 1 ? '' : 's'} differ</Text>;
}

export function StatusLine({ s }: { s: Snapshot }) {
  const load = s.load.on ? `load ${s.load.flows}×${s.load.rate}/s, ${count(s.load.sent)} sent` : 'load off (t)';
  return (
    <Text wrap="truncate">
      <Text bold>{clock(s.elapsedMs)}</Text>
      {'  seed '}{s.seed}{'  '}
      <Convergence s={s} />
      {'  '}<Text color={s.load.on ? 'cyan' : 'gray'}>{load}</Text>
      {`  msgs/s in ${count(s.totals.inRate)} out ${count(s.totals.outRate)}  queued ${bytes(s.totals.pending)}  delivered ${count(s.totals.delivered)}`}
      {s.proxied ? '' : <Text color="yellow">  direct links: no faults</Text>}
      <Text color="gray">  ? keys  q quit</Text>
    </Text>
  );
}
