// The Lamport (message-sequence) diagram: a lane per server, time flowing down, an arrow per
// server-to-server frame from its send to its receive (a lost one ends in a cross where its
// link went down), fault windows shaded and actions marked. The overview covers the whole
// run; a zoomed panel follows for each action.
import type { Faults } from './faults.ts';
import type { Frame } from './frames.ts';
import type { Lane } from './lanes.ts';
import { type Panel, arrowEnd } from './panels.ts';
import { linear, px, seconds, svgDocument, text, ticks } from './svg.ts';

export interface LamportInput {
  title: string;
  lanes: readonly Lane[];
  faults: Faults;
  /** the experiment's start: time 0 on the axes */
  t0: number;
  overview: Panel;
  zooms: readonly Panel[];
}

const LEFT = 70;
const RIGHT = 250;
const LABEL_CHARS = 38;
/** Above a panel's first lane name: its title and note lines; the names take NAMES below them. */
const TITLE = 34;
const NOTE_LINE = 13;
const NAMES = 46;
const GAP = 40;
const ZOOM_HEIGHT = 520;

/** Short classes for the frame types, so thousands of arrows stay small; colours in STYLE. */
const TYPE_CLASS: Record<string, string> = {
  server_registration: 'sr', status: 'st', server_quit: 'sq', client_registration: 'cr', client_chat: 'cc', client_quit: 'cq', heartbeat: 'hb',
};
const TYPE_COLOUR: Record<string, string> = { sr: '#2a9d4b', st: '#8e44ad', sq: '#d62728', cr: '#17becf', cc: '#7f9cc4', cq: '#ff7f0e', hb: '#bbbbbb', x: '#444' };

const STYLE = [
  '.f{fill:none;stroke-width:.9;marker-end:url(#a)}',
  ...Object.entries(TYPE_COLOUR).map(([c, colour]) => `.${c}{stroke:${colour}}`),
  '.lost{marker-end:none;stroke-dasharray:3 2}',
  '.lane{stroke:#bbb}',
  '.fw{fill:#f4b400;fill-opacity:.13}',
  '.ph{fill:#000;fill-opacity:.05}',
  '.act{stroke:#555;stroke-dasharray:4 3}',
  '.fail{stroke:#d62728}',
  '.tick{stroke:#999}',
  '.start{stroke:#000}',
  'text.h{font-weight:bold;font-size:13px}',
  'text.n{fill:#555}',
].join('');

function laneX(lanes: readonly Lane[]): { x: Map<number, number>; spacing: number; width: number } {
  const spacing = lanes.length <= 1 ? 90 : Math.max(24, Math.min(90, Math.round(780 / (lanes.length - 1))));
  const x = new Map(lanes.map((l, i) => [l.id, LEFT + 20 + i * spacing]));
  return { x, spacing, width: LEFT + 40 + Math.max(0, lanes.length - 1) * spacing + RIGHT };
}

export function lamportSvg(input: LamportInput): string {
  const { lanes, t0 } = input;
  const { x, spacing, width } = laneX(lanes);
  const overviewHeight = Math.min(1800, Math.max(500, (input.overview.to - input.overview.from) * 0.15));
  const body: string[] = [
    '<defs><marker id="a" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0 6 3 0 6z" fill="#555"/></marker></defs>',
    text(10, 20, input.title, 'class="h"'),
    legend(32),
  ];
  let y = 46;
  const panels: Array<{ p: Panel; id: string; height: number }> = [
    { p: input.overview, id: 'overview', height: overviewHeight },
    ...input.zooms.map((p, i) => ({ p, id: `zoom-${i + 1}`, height: ZOOM_HEIGHT })),
  ];
  const noteChars = Math.floor((width - 20) / 6);
  for (const { p, id, height } of panels) {
    const notes = wrap(p.note, noteChars);
    const header = TITLE + notes.length * NOTE_LINE + NAMES;
    body.push(...panel(p, notes, id, y, header, height, { lanes, x, spacing, width, t0, faults: input.faults }));
    y += header + height + GAP;
  }
  return svgDocument(width, y, STYLE, body);
}

function legend(y: number): string {
  const items = Object.entries(TYPE_CLASS).map(([name, c]) => ({ name, c }));
  const out: string[] = [];
  let x = 10;
  for (const { name, c } of items) {
    out.push(`<path class="${c}" stroke-width="2" d="M${x} ${y - 4}h18"/>`, text(x + 22, y, name));
    x += 30 + name.length * 6.2;
  }
  out.push(`<path class="cc lost" d="M${x} ${y - 4}h14m-3-3l6 6m0-6l-6 6"/>`, text(x + 22, y, 'lost'));
  x += 60;
  out.push(`<rect class="fw" x="${x}" y="${y - 10}" width="18" height="10"/>`, text(x + 22, y, 'fault in force'));
  return `<g class="legend">${out.join('')}</g>`;
}

interface Layout {
  lanes: readonly Lane[];
  x: Map<number, number>;
  spacing: number;
  width: number;
  t0: number;
  faults: Faults;
}

/** Lines of at most `chars` characters (unless one word is longer), broken at spaces. */
function wrap(s: string, chars: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && line.length + 1 + word.length > chars) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...out, line];
}

function panel(p: Panel, notes: string[], id: string, top: number, header: number, height: number, L: Layout): string[] {
  const y0 = top + header;
  const ty = linear([p.from, p.to], [y0, y0 + height]);
  const xs = L.x.size ? [...L.x.values()] : [LEFT + 20]; // no servers seen: an empty lane area
  const left = Math.min(...xs) - L.spacing / 2;
  const right = Math.max(...xs) + L.spacing / 2;
  const out: string[] = [`<g id="${id}" data-frames="${p.frames.length}">`, text(10, top + 14, p.title, 'class="h"'), ...notes.map((n, i) => text(10, top + 30 + i * NOTE_LINE, n, 'class="n"'))];
  out.push(`<clipPath id="c-${id}"><rect x="0" y="${px(y0)}" width="${L.width}" height="${px(height)}"/></clipPath>`);
  // Lane names, all slanted when any would not fit between its neighbours.
  const names = L.lanes.map((lane) => `${lane.name} (${lane.id})`);
  const slant = names.some((n) => n.length * 6.5 > L.spacing);
  L.lanes.forEach((lane, i) => {
    const lx = L.x.get(lane.id)!;
    out.push(text(lx, y0 - 8, names[i]!, slant ? `transform="rotate(-35 ${px(lx)} ${px(y0 - 8)})"` : 'text-anchor="middle"'));
  });
  const clipped: string[] = [];
  const labels: Array<{ x: number; y: number; w: number }> = [];
  for (const w of L.faults.windows) {
    if (w.end < p.from || w.start > p.to) continue;
    // A fault on some servers shades their lanes; one on all (a partition, a phase) the whole width.
    const ids = w.servers.filter((s) => L.x.has(s));
    const cols = ids.length ? ids.map((s) => [L.x.get(s)! - L.spacing * 0.35, L.spacing * 0.7] as const) : [[left, right - left] as const];
    const a = ty(Math.max(w.start, p.from));
    const h = Math.max(1, ty(Math.min(w.end, p.to)) - a);
    for (const [cx, cw] of cols) clipped.push(`<rect class="${w.phase ? 'ph' : 'fw'}" x="${px(cx)}" y="${px(a)}" width="${px(cw)}" height="${px(h)}"/>`);
    const label = { x: cols[0]![0] + 3, y: a + 12, w: w.label.length * 6 };
    while (labels.some((o) => Math.abs(o.y - label.y) < 11 && o.x < label.x + label.w && label.x < o.x + o.w)) label.y += 11;
    labels.push(label);
    clipped.push(text(label.x, label.y, w.label, 'class="n"'));
  }
  for (const lx of xs) clipped.push(`<path class="lane" d="M${px(lx)} ${px(y0)}V${px(y0 + height)}"/>`);
  out.push(`<g clip-path="url(#c-${id})">${clipped.join('')}</g>`);
  // The time axis, in seconds since the experiment's start.
  const relTicks = ticks(p.from - L.t0, p.to - L.t0, Math.max(4, Math.round(height / 70)));
  const step = relTicks.length > 1 ? relTicks[1]! - relTicks[0]! : 1000;
  for (const r of relTicks) {
    const ty1 = ty(r + L.t0);
    out.push(`<path class="tick" d="M${LEFT - 4} ${px(ty1)}h${px(right - LEFT + 4)}" stroke-opacity=".25"/>`, text(LEFT - 8, ty1 + 4, seconds(r, step), 'text-anchor="end"'));
  }
  if (L.t0 >= p.from && L.t0 <= p.to) out.push(`<path class="start" d="M${px(left)} ${px(ty(L.t0))}H${px(right)}"/>`, text(right + 6, ty(L.t0) + 4, 'experiment starts'));
  // Actions: a dashed rule, the label in the right margin (pushed down so none overlap).
  let labelY = -Infinity;
  for (const a of L.faults.actions) {
    if (a.t < p.from || a.t > p.to) continue;
    const ay = ty(a.t);
    labelY = Math.max(ay + 4, labelY + 13);
    out.push(`<path class="act${a.failed ? ' fail' : ''}" d="M${px(left)} ${px(ay)}H${px(right)}"/>`, text(right + 6, labelY, clip(`${a.label}${a.failed ? ' (failed)' : ''}`)));
  }
  out.push(`<g class="frames" clip-path="url(#c-${id})">`);
  for (const f of p.frames) out.push(arrow(f, L.x, ty));
  out.push('</g></g>');
  return out;
}

const clip = (s: string) => (s.length > LABEL_CHARS ? `${s.slice(0, LABEL_CHARS - 1)}…` : s);

function arrow(f: Frame, x: Map<number, number>, ty: (t: number) => number): string {
  const c = TYPE_CLASS[f.frame] ?? 'x';
  const x1 = x.get(f.from)!;
  const x2 = x.get(f.to)!;
  const y1 = ty(f.sentAt);
  if (f.receivedAt !== null) return `<path class="f ${c}" d="M${px(x1)} ${px(y1)}L${px(x2)} ${px(ty(f.receivedAt))}"/>`;
  // Lost: half way across, ending in a cross where the link went down (or just after the send).
  const xm = (x1 + x2) / 2;
  const ym = Math.max(ty(arrowEnd(f)), y1 + 3);
  return `<path class="f lost ${c}" d="M${px(x1)} ${px(y1)}L${px(xm)} ${px(ym)}m-3 -3l6 6m0 -6l-6 6"/>`;
}
