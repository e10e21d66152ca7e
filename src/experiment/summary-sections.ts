// summary.md's sections for the final verdict and the measured phases of every fault.
import type { FaultPhases, PhaseStats, Spread } from './phases.ts';
import { lossesByFault, type Verdict } from './verdict.ts';
import { type HostObservation, OBSERVED_HOW } from './foreign-findings.ts';
import type { CheckResult } from './summary.ts';

const ms = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '–' : x.toFixed(d));
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function verdictSection(v: Verdict): string[] {
  const c = v.consistency;
  const L = ['## Verdict', '', `**${v.passed ? 'PASS' : 'FAIL'}**`, ''];
  L.push(c.consistent
    ? `Consistent: every host knows exactly its part of the live tree, with the right next hops and adjacency (${c.parts.length} part${c.parts.length === 1 ? '' : 's'}: ${c.parts.map((p) => `{${p.join(', ')}}`).join(' ')}); checked ${c.waitedMs.toFixed(0)} ms after the traffic, snapshot ${c.snapshots}.`
    : `Not consistent ${c.waitedMs.toFixed(0)} ms after the traffic (${c.snapshots} snapshots). Per host:`, '');
  if (!c.consistent) {
    L.push('| host | problems |', '|---|---|');
    for (const d of c.diff.slice(0, 50)) L.push(`| ${cell(d.name)} (${d.id}) | ${cell(d.problems.join('; '))} |`);
    if (c.diff.length > 50) L.push(`| … | ${c.diff.length - 50} more hosts (all in summary.json) |`);
    L.push('');
  }
  if (v.traffic.length) {
    L.push('| flow | duplicated | reordered | lost | lost to a fault | lost outside any fault | result |', '|---|---:|---:|---:|---|---:|---|');
    for (const f of v.traffic) {
      L.push(`| ${f.from} → ${f.to} | ${f.duplicated} | ${f.reordered} | ${f.lost} | ${cell(lossesByFault(f, 'in ') || '–')} | ${f.lostUnexplained} | ${f.ok ? 'ok' : `**fail**: ${cell(f.examples.join('; '))}`} |`);
    }
    L.push('', 'A lost chat is allowed only if it was sent, or in flight, while a fault had broken its path, until the sender\'s server knew the receiver again.', '');
  }
  return L;
}

const spreadCells = (s: Spread | null) => (s ? `${ms(s.min)} / ${ms(s.p50)} / ${ms(s.p99)}` : '–');

export function phasesSection(rows: readonly FaultPhases[], stats: readonly PhaseStats[], foreign = false): string[] {
  if (!rows.length) return [];
  const L = ['## Phases', ''];
  if (foreign) L.push('Foreign servers detect nothing and send no netsplit (no liveness, no server-quit handling): detection and propagation below are ours; what foreign servers kept is under Findings.', '');
  L.push('Detection: fault → the first server declaring a link of it dead. Propagation: that server\'s netsplit → the last node on its side forgetting what is behind it. Recovery: the action that clears it → every node knowing again all it should. Bounds: detection 0 for a cut (the close is seen at once), the liveness timeout + one interval for a silenced link; propagation the injected latency on the longest path from the detecting server; recovery\'s floor the injected latency a registration crosses (re-dial backoff on top).', '');
  L.push('| fault | at (s) | detected by | detection (ms) | bound | propagation (ms) | bound | forgets | recovery (ms) | floor | relearns |', '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const by = r.detectedBy.slice(0, 3).map((d) => `${d.server} (+${ms(d.ms)}${d.why === 'closed' ? '' : `, ${d.why}`})`).join(', ') + (r.detectedBy.length > 3 ? ', …' : '');
    L.push(`| ${cell(r.what)} | ${(r.atMs / 1000).toFixed(3)} | ${by || 'nobody'} | ${ms(r.detectionMs)} | ${ms(r.detectionBoundMs, 0)} | ${ms(r.propagationMs)} | ${ms(r.propagationBoundMs, 0)} | ${r.forgets.seen}/${r.forgets.expected} | ${ms(r.recoveryMs)} | ${ms(r.recoveryFloorMs, 0)} | ${r.learns.seen}/${r.learns.expected} |`);
  }
  if (stats.some((s) => s.faults > 1)) {
    L.push('', 'Per kind of fault (min / median / p99, ms):', '', '| fault | n | detection | bound | propagation | bound | recovery | floor | incomplete |', '|---|---:|---|---:|---|---:|---|---:|---:|');
    for (const s of stats) L.push(`| ${cell(s.what)} | ${s.faults} | ${spreadCells(s.detection)} | ${ms(s.detectionBoundMs, 0)} | ${spreadCells(s.propagation)} | ${ms(s.propagationBoundMs, 0)} | ${spreadCells(s.recovery)} | ${ms(s.recoveryFloorMs, 0)} | ${s.incomplete} |`);
  }
  L.push('');
  return L;
}

/** Which hosts are ours and which foreign, and how each is observed (only when some are foreign). */
export function observedSection(hosts: readonly HostObservation[]): string[] {
  if (!hosts.some((h) => h.observed !== 'ours')) return [];
  const L = ['## Hosts, and how each is observed', '', '| servers | run by | observed how |', '|---|---|---|'];
  const groups = new Map<string, HostObservation[]>();
  for (const h of hosts) groups.set(h.impl, [...(groups.get(h.impl) ?? []), h]);
  for (const [impl, hs] of groups) L.push(`| ${hs.map((h) => `${h.id} ${cell(h.name)}`).join(', ')} | ${cell(impl)} | ${OBSERVED_HOW[hs[0]!.observed]} |`);
  L.push('', 'Clients are always ours. Checks and the verdict hold foreign servers to nothing they cannot do: their problems, and those of ours that lie behind them, are findings below, not failures.', '');
  return L;
}

/** The findings about foreign servers: from the checks, then from the verdict. */
export function findingsSection(checks: readonly CheckResult[], v: Verdict): string[] {
  const fromChecks = checks.filter((c) => c.findings?.length);
  if (!fromChecks.length && !v.findings?.length) return [];
  const L = ['## Findings about foreign servers', ''];
  for (const c of fromChecks) for (const f of c.findings!) L.push(`- check \`${cell(c.check)}\`: ${f}`);
  for (const f of v.findings ?? []) L.push(`- final verdict: ${f}`);
  L.push('');
  return L;
}
