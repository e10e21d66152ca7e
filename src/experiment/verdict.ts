// The final verdict of an experiment: after the timeline and the traffic, is the network
// consistent (consistency.ts, read by probe.ts), and was every chat delivered once, in order,
// or lost only to a fault (traffic-audit.ts)? PASS or FAIL with a per-host diff.
import type { HostDiff } from './consistency.ts';
import type { Polled } from './probe.ts';
import type { FlowAudit } from './traffic-audit.ts';

export interface Verdict {
  passed: boolean;
  consistency: {
    consistent: boolean;
    /** the connected parts of the live tree (server ids) */
    parts: number[][];
    diff: HostDiff[];
    /** how long the final check waited for a consistent snapshot (ms), and how many it took */
    waitedMs: number;
    snapshots: number;
  };
  traffic: FlowAudit[];
  /**
   * Problems put down to foreign servers (foreign-findings.ts), each naming the server and the
   * rule it cannot follow; they are left out of `passed` and of `consistency.diff`.
   */
  findings?: string[];
}

/** How long the final check gives a network still settling (ms). */
export const FINAL_SETTLE_MS = 1000;

export function verdictOf(polled: Polled, startedAt: number, traffic: FlowAudit[]): Verdict {
  const { consistent, parts, diff } = polled.result;
  return {
    passed: consistent && traffic.every((f) => f.ok),
    consistency: { consistent, parts, diff, waitedMs: +(polled.at - startedAt).toFixed(1), snapshots: polled.snapshots },
    traffic,
  };
}

/** The per-host diff as lines: "name (id): problem; problem". */
export function diffLines(diff: readonly HostDiff[], limit = 20): string[] {
  const lines = diff.slice(0, limit).map((d) => `${d.name} (${d.id}): ${d.problems.join('; ')}`);
  if (diff.length > limit) lines.push(`… and ${diff.length - limit} more hosts`);
  return lines;
}

/** A flow's losses to faults, those of the same description together: "558 to down 4-2 (×10)". */
export function lossesByFault(f: FlowAudit, to = 'to '): string {
  const by = new Map<string, { lost: number; faults: number }>();
  for (const x of f.lostToFaults) {
    const g = by.get(x.what) ?? { lost: 0, faults: 0 };
    g.lost += x.lost;
    g.faults++;
    by.set(x.what, g);
  }
  return [...by].map(([what, g]) => `${g.lost} ${to}${what}${g.faults > 1 ? ` (×${g.faults})` : ''}`).join(', ');
}

/** What a flow's audit says, in a few words. */
export function flowWords(f: FlowAudit): string {
  const faults = lossesByFault(f);
  return `${f.duplicated} duplicated, ${f.reordered} reordered, ${f.lost} lost${f.lost ? ` (${faults || 'none to a fault'}${f.lostUnexplained ? `; ${f.lostUnexplained} outside any fault` : ''})` : ''}`;
}

/** The verdict for stdout: one line, then what is wrong. */
export function verdictLines(v: Verdict): string[] {
  const c = v.consistency;
  const lines = [`VERDICT ${v.passed ? 'PASS' : 'FAIL'}: ${c.consistent ? `consistent (${c.parts.length} part${c.parts.length === 1 ? '' : 's'})` : `not consistent after ${c.waitedMs.toFixed(0)} ms`}; traffic ${v.traffic.every((f) => f.ok) ? 'clean' : 'not clean'}`];
  for (const l of diffLines(c.diff)) lines.push(`  ${l}`);
  for (const f of v.findings ?? []) lines.push(`  finding: ${f}`);
  for (const f of v.traffic) {
    if (!f.ok || f.lost) lines.push(`  traffic ${f.from}->${f.to}: ${flowWords(f)}${f.examples.length ? ` — ${f.examples.join('; ')}` : ''}`);
  }
  return lines;
}
