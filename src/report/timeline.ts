// The timeline chart: how many hosts each server knows over time (a row per server, all on
// one scale), the fault windows shaded on the servers they touch, every action a dashed rule,
// and every check a rule at the moment it was answered (green) or gave up (red), listed below.
import type { CheckResult, EventRecord } from '../experiment/summary.ts';
import type { Faults } from './faults.ts';
import type { Lane } from './lanes.ts';
import { linear, px, seconds, svgDocument, text, ticks } from './svg.ts';

export interface Series {
  server: number;
  /** [time (ms since the epoch), hosts known from then on] */
  points: Array<[number, number]>;
}

/**
 * Per server, the hosts it knows: learned adds, forgotten removes, and a crash empties it
 * (the restarted server learns everything anew).
 */
export function knownHostSeries(events: readonly EventRecord[], lanes: readonly Lane[], from: number): Series[] {
  const known = new Map(lanes.map((l) => [l.id, new Set<number>()]));
  const series = new Map(lanes.map((l) => [l.id, { server: l.id, points: [[from, 0]] as Array<[number, number]> }]));
  const changed = (server: number, t: number) => series.get(server)!.points.push([t, known.get(server)!.size]);
  for (const e of events) {
    if (e.type === 'action' && e.spec.do === 'crash' && known.has(e.spec.server)) {
      known.get(e.spec.server)!.clear();
      changed(e.spec.server, e.t);
    }
    if (!('node' in e) || (e.type !== 'host-learned' && e.type !== 'host-forgotten')) continue;
    const set = known.get(e.node);
    if (!set) continue; // a client's view
    const before = set.size;
    if (e.type === 'host-learned') set.add(e.id);
    else set.delete(e.id);
    if (set.size !== before) changed(e.node, e.t);
  }
  return [...series.values()];
}

export interface TimelineInput {
  title: string;
  lanes: readonly Lane[];
  series: readonly Series[];
  faults: Faults;
  checks: readonly CheckResult[];
  t0: number;
  from: number;
  to: number;
}

const LEFT = 150;
const PLOT = 860;
const ROW = 34;
const ROW_GAP = 8;
const LABEL_ROWS = 3;

const STYLE = [
  '.known{fill:none;stroke:#1f77b4;stroke-width:1.5}',
  '.base{stroke:#ccc}',
  '.fw{fill:#f4b400;fill-opacity:.18}',
  '.ph{fill:#000;fill-opacity:.05}',
  '.act{stroke:#555;stroke-dasharray:4 3}',
  '.pass{stroke:#2a9d4b}',
  '.failed{stroke:#d62728}',
  'text.h{font-weight:bold;font-size:13px}',
  'text.n{fill:#555}',
  'text.pass{fill:#2a9d4b}',
  'text.failed{fill:#d62728}',
].join('');

/** Label rows for labels at `x` (time order): each goes in the first row it fits in. */
function stagger(items: Array<{ x: number; width: number }>, rows: number): number[] {
  const ends = new Array<number>(rows).fill(-Infinity);
  return items.map(({ x, width }) => {
    let r = ends.findIndex((end) => x > end + 4);
    if (r === -1) r = ends.indexOf(Math.min(...ends));
    ends[r] = x + width;
    return r;
  });
}

export function timelineSvg(input: TimelineInput): string {
  const { lanes, faults, t0 } = input;
  const tx = linear([input.from, input.to], [LEFT, LEFT + PLOT]);
  const max = input.series.reduce((m, s) => s.points.reduce((k, p) => Math.max(k, p[1]), m), 1);
  const top = 44 + LABEL_ROWS * 13;
  const rowTop = (i: number) => top + i * (ROW + ROW_GAP);
  const bottom = rowTop(lanes.length) - ROW_GAP;
  const rowOf = new Map(lanes.map((l, i) => [l.id, i]));
  const body: string[] = [
    text(10, 20, input.title, 'class="h"'),
    text(10, 36, `Known hosts per server (every row 0 to ${max}), faults shaded, actions dashed, checks green (passed) or red (failed)`, 'class="n"'),
  ];
  const labelsIn = new Map<number, number[]>();
  for (const w of faults.windows) {
    if (w.end < input.from || w.start > input.to) continue;
    const a = tx(Math.max(w.start, input.from));
    const width = Math.max(1, tx(Math.min(w.end, input.to)) - a);
    const rows = w.servers.length ? w.servers.filter((s) => rowOf.has(s)).map((s) => rowOf.get(s)!) : lanes.map((_, i) => i);
    for (const r of rows) body.push(`<rect class="${w.phase ? 'ph' : 'fw'}" x="${px(a)}" y="${rowTop(r)}" width="${px(width)}" height="${ROW}"/>`);
    if (rows.length === 0) continue;
    // Inside the plot even near its right edge; below any label already there.
    const row = Math.min(...rows);
    const lx = Math.min(a + 2, LEFT + PLOT - w.label.length * 5);
    const stacked = (labelsIn.get(row) ?? []).filter((x) => Math.abs(x - lx) < 60).length;
    labelsIn.set(row, [...(labelsIn.get(row) ?? []), lx]);
    body.push(text(lx, rowTop(row) + 10 + stacked * 9, w.label, 'class="n" font-size="9"'));
  }
  lanes.forEach((lane, i) => {
    const y = rowTop(i);
    const ty = linear([0, max], [y + ROW, y + 2]);
    body.push(text(LEFT - 8, y + ROW / 2 + 4, `${lane.name} (${lane.id})`, 'text-anchor="end"'), `<path class="base" d="M${LEFT} ${y + ROW}h${PLOT}"/>`);
    const s = input.series.find((x) => x.server === lane.id);
    if (!s) return;
    let d = '';
    for (const [t, n] of s.points) d += d ? `H${px(tx(t))}V${px(ty(n))}` : `M${px(tx(t))} ${px(ty(n))}`;
    d += `H${LEFT + PLOT}`;
    // The count it ended the run with (before the shutdown took it apart).
    const until = faults.stopping ?? Infinity;
    const final = s.points.findLast((p) => p[0] <= until) ?? s.points[0]!;
    body.push(`<path class="known" data-server="${lane.id}" d="${d}"/>`, text(LEFT + PLOT + 6, y + ROW / 2 + 4, String(final[1])));
  });
  // Actions: rules across every row; actions a few pixels apart share one label.
  const groups: Array<{ x: number; label: string; failed: boolean; n: number }> = [];
  for (const a of faults.actions) {
    if (a.t < input.from || a.t > input.to) continue;
    const x = tx(a.t);
    body.push(`<path class="act" d="M${px(x)} ${top - 4}V${bottom}"/>`);
    const last = groups.at(-1);
    if (last && x - last.x < 4) {
      last.n++;
      last.failed ||= a.failed;
    } else groups.push({ x, label: a.label, failed: a.failed, n: 1 });
  }
  const labelOf = (g: (typeof groups)[number]) => (g.n > 1 ? `${g.label} and ${g.n - 1} more` : g.label);
  const actionRows = stagger(groups.map((g) => ({ x: g.x, width: labelOf(g).length * 6 })), LABEL_ROWS);
  groups.forEach((g, i) => body.push(text(g.x + 2, 44 + actionRows[i]! * 13 + 8, labelOf(g), g.failed ? 'class="failed"' : '')));
  // Checks: where each was answered (or gave up), numbered as listed below the chart.
  const checks = [...input.checks].sort((a, b) => a.index - b.index);
  const answeredAt = (c: CheckResult) => t0 + c.startMs + (c.tookMs ?? c.withinMs);
  const checkRows = stagger(checks.map((c) => ({ x: tx(answeredAt(c)), width: 18 })), LABEL_ROWS);
  checks.forEach((c, i) => {
    const cx = tx(answeredAt(c));
    const cls = c.passed ? 'pass' : 'failed';
    body.push(`<path class="${cls}" d="M${px(cx)} ${top - 4}V${bottom + 4}"/>`, text(cx + 2, bottom + 14 + checkRows[i]! * 11, `#${i + 1}`, `class="${cls}" font-size="9"`));
  });
  // The time axis, in seconds since the experiment's start.
  const axisY = bottom + 14 + LABEL_ROWS * 11 + 4;
  const rel = ticks(input.from - t0, input.to - t0, 10);
  const step = rel.length > 1 ? rel[1]! - rel[0]! : 1000;
  body.push(`<path class="base" d="M${LEFT} ${axisY}h${PLOT}"/>`);
  for (const r of rel) body.push(`<path class="base" d="M${px(tx(r + t0))} ${axisY}v4"/>`, text(tx(r + t0), axisY + 15, seconds(r, step), 'text-anchor="middle"'));
  let y = axisY + 38;
  checks.forEach((c, i) => {
    const result = c.passed ? (c.tookMs === null ? 'passed: only foreign servers were wrong (findings)' : `passed in ${c.tookMs.toFixed(1)} ms`) : c.tookMs === null ? 'FAILED: did not happen'
      : `${c.outcome === 'INCONCLUSIVE' ? `INCONCLUSIVE (host late by ${c.hostLateMs} ms${c.lateThread ? ` in ${c.lateThread}` : ''})` : 'FAILED'}: took ${c.tookMs.toFixed(1)} ms`;
    body.push(text(10, y, `#${i + 1} at ${((c.startMs) / 1000).toFixed(3)} s: ${c.check}: ${result}`, `class="${c.passed ? 'pass' : 'failed'}"`));
    y += 15;
  });
  return svgDocument(LEFT + PLOT + 50, y, STYLE, body);
}
