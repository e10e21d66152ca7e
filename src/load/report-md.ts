// report.md of a load run: what ran and how to replay it, whether the generators kept the
// rate, the totals (loss with its reasons, latency from the intended send time beside what a
// closed-loop sender would have seen), steps or trials, flows, servers and threads, faults.
import type { LoadReport } from './report.ts';
import { type Percentiles, type RunSummary, stallText } from './summary.ts';

const f = (n: number | undefined | null, d = 3) => (n === undefined || n === null || !Number.isFinite(n) ? '–' : String(+n.toFixed(d)));
const pct = (l: Percentiles | null) => (l ? `${f(l.p50)} | ${f(l.p90)} | ${f(l.p99)} | ${f(l.p99_9)} | ${f(l.max)}` : '– | – | – | – | –');
const LAT_HEAD = 'p50 | p90 | p99 | p99.9 | max';
const LAT_RULE = '---:|---:|---:|---:|---:';
/** Tables longer than this show their worst rows only. */
const MAX_ROWS = 30;

export function loadMarkdown(r: LoadReport): string {
  const name = (id: number) => `${r.names[String(id)] ?? id} (${id})`;
  const L: string[] = [];
  L.push(`# Load: ${r.topology.name}, ${r.pattern}, ${r.mode}`, '');
  L.push(`Command: \`${r.command}\``, '', `Replay (same flags, same seed ${r.seed}): \`${r.replay}\``, '');
  L.push(`Started ${r.started}. ${r.topology.servers} servers (${r.topology.placement}${r.topology.placement === 'workers' ? `, ${r.topology.serversPerWorker} per thread` : ''}), ${r.flows} flows, ${r.size} B chats, ${r.generators} generator thread(s).`);
  L.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, commit ${r.machine.commit}${r.machine.dirty ? ' (uncommitted changes)' : ''}.`, '');
  if (r.interrupted) L.push('**Interrupted (Ctrl-C)**: the figures are for what ran until then.', '');
  L.push('Latency is measured from each chat\'s intended send time (open loop, coordinated omission corrected). "closed-loop view" is what a sender with one chat in flight would have measured from the same deliveries (it waits, so a stall is one slow sample).', '');

  if (r.findMax) {
    const fm = r.findMax;
    L.push(`## Highest rate keeping ${fm.slo}: **${fm.maxRate} chats/s**`, '');
    if (fm.limiting) L.push(`Limiting resource: ${fm.limiting.text}.`, '');
    L.push('| trial | rate (chats/s) | held | SLO value (ms) | why |', '|---:|---:|:---:|---:|---|');
    fm.trials.forEach((t, i) => L.push(`| ${i + 1} | ${t.rate} | ${t.held ? 'yes' : 'no'} | ${f(t.valueMs)} | ${t.why} |`));
    L.push('');
  }

  for (const run of r.runs) runSection(L, r, run, name);

  if (r.experiment) {
    L.push('## Faults (experiment timeline over the load)', '', `From ${r.experiment.file}; times from the load's start.`, '');
    for (const p of r.experiment.played) L.push(`- ${(p.atMs / 1000).toFixed(3)} s: ${p.did}${p.error ? ` (failed: ${p.error})` : ''}`);
    if (r.experiment.skipped.length) L.push('', `Checks not run under load (the load clients are outside the coordinator's model): ${r.experiment.skipped.join('; ')}.`);
    L.push('');
  }
  if (r.charts.length) L.push('## Charts', '', ...r.charts.map((c) => `![${c}](${c})`), '');
  return L.join('\n');
}

function runSection(L: string[], r: LoadReport, run: RunSummary, name: (id: number) => string): void {
  const t = run.total;
  L.push(`## ${run.label}: ${(run.durationMs / 1000).toFixed(1)} s${run.interrupted ? ' (interrupted)' : ''}`, '');
  L.push(run.generator.keptRate ? `Generators: ${run.generator.note}.` : `**${run.generator.note}.**`, '');
  if (run.generator.start?.length) L.push(`Start: ${startText(run.generator.start)}.`, '');
  L.push('| offered/s | delivered/s | offered | sent | delivered | lost in network | unknown destination | not sent (client cut) | duplicated | reordered |');
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  L.push(`| ${t.offeredPerSec} | ${t.deliveredPerSec} | ${t.offered} | ${t.sent} | ${t.delivered} | ${t.lost} | ${t.unknownDestination} | ${t.cut} | ${t.duplicated} | ${t.reordered} |`, '');
  L.push(`| latency (ms) | ${LAT_HEAD} |`, `|---|${LAT_RULE}|`);
  L.push(`| from intended send (ours) | ${pct(t.latencyMs)} |`, `| closed-loop view | ${pct(t.closedLoopMs)} |`, ...(t.fromWriteMs ? [`| from the write (the network's share) | ${pct(t.fromWriteMs)} |`] : []), `| generator send lateness | ${pct(run.generator.latenessMs)} |`, '');
  if (run.stepResults.length > 1) {
    L.push(`| step rate (chats/s) | offered | delivered | ${LAT_HEAD} |`, `|---:|---:|---:|${LAT_RULE}|`);
    for (const s of run.stepResults) L.push(`| ${s.rate} | ${s.offered} | ${s.delivered} | ${pct(s.latencyMs)} |`);
    L.push('');
  }
  if (run.seconds.length && run.seconds.length <= 120) {
    L.push(`| second | offered | delivered | lost signs (unknown/cut) | ${LAT_HEAD} | gen. late max (ms) | why (worst late send) |`, `|---:|---:|---:|---:|${LAT_RULE}|---:|---|`);
    for (const s of run.seconds) L.push(`| ${s.second + 1} | ${s.offered} | ${s.delivered} | ${s.unknownDestination}/${s.cut} | ${pct(s.latencyMs)} | ${f(s.lateMaxMs)} | ${s.stall ? stallText(s.stall) : ''} |`);
    L.push('');
  }
  const flows = [...run.flows].sort((a, b) => (b.latencyMs?.p99 ?? Infinity) - (a.latencyMs?.p99 ?? Infinity));
  L.push(`### Flows${flows.length > MAX_ROWS ? ` (the ${MAX_ROWS} with the worst p99 of ${flows.length})` : ''}`, '');
  L.push(`| from | to | sent | delivered | lost | unknown dest. | dup | reord | ${LAT_HEAD} |`, `|---|---|---:|---:|---:|---:|---:|---:|${LAT_RULE}|`);
  for (const x of flows.slice(0, MAX_ROWS)) L.push(`| ${name(x.from)} | ${name(x.to)} | ${x.sent} | ${x.delivered} | ${x.lost} | ${x.unknownDestination} | ${x.duplicated} | ${x.reordered} | ${pct(x.latencyMs)} |`);
  L.push('');
  if (run.servers.length) {
    L.push('### Servers', '', '| server | peak bytes queued | reads paused | messages in |', '|---|---:|---:|---:|');
    for (const s of [...run.servers].sort((a, b) => b.peakPendingBytes - a.peakPendingBytes).slice(0, MAX_ROWS)) L.push(`| ${name(s.id)} | ${s.peakPendingBytes} | ${f(s.readPauses, 0)} | ${s.msgsIn} |`);
    L.push('');
  }
  if (run.threads.length) {
    L.push('### Server threads (CPU share of one core)', '', '| thread | servers | mean | peak |', '|---|---|---:|---:|');
    for (const th of [...run.threads].sort((a, b) => b.cpuMean - a.cpuMean).slice(0, MAX_ROWS)) L.push(`| ${th.label} | ${th.servers.map(name).join(', ')} | ${f(th.cpuMean * 100, 0)}% | ${f(th.cpuPeak * 100, 0)}% |`);
    L.push('');
  }
}

/** Where each generator's 'go' landed against t0, and what its set-up (done before t0 was chosen) cost. */
function startText(starts: RunSummary['generator']['start']): string {
  const worst = starts.reduce((a, b) => (b.commandAtMs > a.commandAtMs ? b : a));
  const setup = starts.reduce((a, b) => (b.setupMs > a.setupMs ? b : a));
  return `the latest generator got its go ${worst.commandAtMs <= 0 ? `${-worst.commandAtMs} ms before` : `**${worst.commandAtMs} ms after**`} the first chats were due; set-up before t0 was chosen took up to ${setup.setupMs} ms (running ${setup.setupRunningMs}, waiting for a core ${setup.setupRunQueueMs})`;
}
