// Which frames each panel of the Lamport diagram draws: the overview (the whole run, capped so
// the file stays small: control frames first, then every k-th chat), and a zoomed panel around
// each action (every frame in it; the panel is shortened rather than thinned if it is crowded).
import type { CheckResult } from '../experiment/summary.ts';
import type { ActionMark } from './faults.ts';
import type { Frame } from './frames.ts';

export interface Panel {
  title: string;
  /** ms since the epoch */
  from: number;
  to: number;
  frames: Frame[];
  /** what was left out, if anything */
  note: string;
}

export const OVERVIEW_ARROWS = 4000;
export const ZOOM_ARROWS = 6000;
/** How long after an action its panel runs when no check says how long it took effect. */
const DEFAULT_ZOOM_MS = 150;
const MIN_ZOOM_MS = 40;
const MAX_ZOOM_MS = 1500;

const count = (n: number) => n.toLocaleString('en-US');
const ordinal = (k: number) => `${k}${k % 10 === 1 && k !== 11 ? 'st' : k % 10 === 2 && k !== 12 ? 'nd' : k % 10 === 3 && k !== 13 ? 'rd' : 'th'}`;

/** When a frame's arrow ends: its receive, or where it was lost. */
export const arrowEnd = (f: Frame) => f.receivedAt ?? f.lostAt ?? f.sentAt;

const touches = (f: Frame, from: number, to: number) => f.sentAt <= to && arrowEnd(f) >= from;

export function overviewPanel(frames: readonly Frame[], from: number, to: number, title: string): Panel {
  if (frames.length <= OVERVIEW_ARROWS) return { title, from, to, frames: [...frames], note: `${count(frames.length)} frames, all drawn` };
  const control = frames.filter((f) => f.frame !== 'client_chat');
  if (control.length <= OVERVIEW_ARROWS / 2) {
    const chats = frames.filter((f) => f.frame === 'client_chat');
    const k = Math.ceil(chats.length / (OVERVIEW_ARROWS - control.length));
    const kept = new Set([...control, ...chats.filter((_, i) => i % k === 0)]);
    return { title, from, to, frames: frames.filter((f) => kept.has(f)), note: `${count(frames.length)} frames: all ${count(control.length)} control frames and every ${ordinal(k)} of ${count(chats.length)} chats drawn` };
  }
  const k = Math.ceil(frames.length / OVERVIEW_ARROWS);
  return { title, from, to, frames: frames.filter((_, i) => i % k === 0), note: `${count(frames.length)} frames, every ${ordinal(k)} drawn` };
}

/**
 * One panel per action (actions that fall inside one panel share it): from a little before
 * it until its checks were answered (or DEFAULT_ZOOM_MS), within [MIN, MAX]_ZOOM_MS.
 */
export function zoomPanels(frames: readonly Frame[], actions: readonly ActionMark[], checks: readonly CheckResult[], t0: number): Panel[] {
  const panels: Array<{ from: number; to: number; labels: string[] }> = [];
  for (const a of [...actions].sort((x, y) => x.t - y.t)) {
    const answered = checks.filter((c) => Math.abs(c.startMs - a.rel) < 1).map((c) => c.startMs + (c.tookMs ?? c.withinMs) - a.rel);
    const span = answered.length ? Math.min(MAX_ZOOM_MS, Math.max(MIN_ZOOM_MS, Math.max(...answered) * 1.25 + 10)) : DEFAULT_ZOOM_MS;
    const last = panels.at(-1);
    if (last && a.t <= last.to) {
      last.to = Math.max(last.to, a.t + span);
      last.labels.push(a.label);
    } else {
      panels.push({ from: a.t - Math.max(5, span * 0.08), to: a.t + span, labels: [a.label] });
    }
  }
  return panels.map((p, i) => {
    let to = p.to;
    let inside = frames.filter((f) => touches(f, p.from, to));
    const full = to;
    while (inside.length > ZOOM_ARROWS) {
      to = p.from + (to - p.from) * 0.75;
      inside = inside.filter((f) => touches(f, p.from, to));
    }
    const what = p.labels.length > 3 ? `${p.labels.slice(0, 3).join('; ')} and ${p.labels.length - 3} more` : p.labels.join('; ');
    const shortened = to < full ? `, shortened from ${(full - p.from).toFixed(0)} ms to hold at most ${count(ZOOM_ARROWS)}` : '';
    return {
      title: `Zoom ${i + 1}: ${what} (${((p.from - t0) / 1000).toFixed(3)}–${((to - t0) / 1000).toFixed(3)} s)`,
      from: p.from, to, frames: inside,
      note: `${count(inside.length)} frames, all drawn${shortened}`,
    };
  });
}
