// The pure edits the shrinker tries on an experiment file: keep some fault units, halve the
// gaps between action times or the faults' durations, drop servers (with their clients), keep
// some flows. Each returns a new file; the shrinker runs it to see if it still fails.
import { resolveTopology } from '../topology/generate.ts';
import type { Topology } from '../topology/schema.ts';
import { type EntryDoc, type ExperimentFile, isAction, lastActionAt } from './doc.ts';
import type { Unit } from './pairs.ts';
import { withTimedChecks } from './timed-checks.ts';

/** Times are kept in steps of this (ms); a halved gap or duration never goes below it. */
export const TIME_STEP_MS = 10;

const floorStep = (ms: number) => Math.floor(ms / TIME_STEP_MS) * TIME_STEP_MS;
const halve = (ms: number) => (ms <= TIME_STEP_MS ? ms : Math.max(TIME_STEP_MS, floorStep(ms / 2)));

/** How long the file gives the network after its last action (kept by every edit). */
export const settleOf = (doc: ExperimentFile): number => Math.max(0, doc.duration - lastActionAt(doc));

/**
 * The timeline in time order: entries with an `at` sorted (stably), each followed by the
 * entries without one that followed it; the trailing ones (the final check) stay last.
 */
function sortTimeline(timeline: readonly EntryDoc[]): EntryDoc[] {
  let tail = timeline.length;
  while (tail > 0 && timeline[tail - 1]!.at === undefined) tail--;
  const blocks: EntryDoc[][] = [];
  for (const e of timeline.slice(0, tail)) {
    if (e.at === undefined && blocks.length) blocks[blocks.length - 1]!.push(e);
    else blocks.push([e]);
  }
  blocks.sort((x, y) => (x[0]!.at ?? 0) - (y[0]!.at ?? 0));
  return [...blocks.flat(), ...timeline.slice(tail)];
}

/** `doc` with a new timeline, in time order, its duration keeping the settle time after the last action. */
function withTimeline(doc: ExperimentFile, timeline: EntryDoc[], settle = settleOf(doc)): ExperimentFile {
  // The timed checks again, for the new times: a bound sound for the old ones may not be.
  const next = { ...doc, timeline: withTimedChecks(sortTimeline(timeline), topologyOf(doc)) };
  return { ...next, duration: lastActionAt(next) + settle };
}

/** Only the actions of `units` (and every check). */
export function keepUnits(doc: ExperimentFile, units: readonly Unit[]): ExperimentFile {
  const kept = new Set(units.flat());
  return withTimeline(doc, doc.timeline.filter((e, i) => !isAction(e) || kept.has(i)));
}

/** Every gap between successive distinct times halved (the lead-in from 0 too): order kept, distinct times kept apart. */
export function halveGaps(doc: ExperimentFile): ExperimentFile {
  const times = [...new Set(doc.timeline.flatMap((e) => (e.at === undefined ? [] : [e.at])))].sort((a, b) => a - b);
  const moved = new Map<number, number>();
  let prev = 0;
  let prevNew = 0;
  for (const t of times) {
    const gap = t - prev;
    const next = prevNew + (gap === 0 ? 0 : prev === 0 && moved.size === 0 ? floorStep(gap / 2) : halve(gap));
    moved.set(t, next);
    prev = t;
    prevNew = next;
  }
  return withTimeline(doc, doc.timeline.map((e) => (e.at === undefined ? e : { ...e, at: moved.get(e.at)! })));
}

/** Every fault's later actions moved halfway towards its start (at least a step after it). */
export function halveDurations(doc: ExperimentFile, units: readonly Unit[]): ExperimentFile {
  const timeline = doc.timeline.map((e) => ({ ...e }));
  for (const unit of units) {
    const start = timeline[unit[0]!]!.at ?? 0;
    for (const i of unit.slice(1)) {
      const e = timeline[i]!;
      if (e.at !== undefined && e.at > start) e.at = start + halve(e.at - start);
    }
  }
  return withTimeline(doc, timeline);
}

/** The topology the file names, resolved (a spec or a path) or as inlined. */
export function topologyOf(doc: ExperimentFile): Topology {
  return typeof doc.topology === 'string' ? resolveTopology(doc.topology) : doc.topology;
}

/** Server and client ids the file names: in actions, checks and flows (a flow names its clients' servers too). */
export function namedIds(doc: ExperimentFile, t: Topology): Set<number> {
  const ids = new Set<number>();
  const serverOf = new Map(t.clients.map((c) => [c.id, c.server]));
  for (const e of doc.timeline) {
    for (const k of ['server', 'client', 'id'] as const) if (typeof e[k] === 'number') ids.add(e[k] as number);
    if (typeof e.link === 'string') for (const x of e.link.split('-')) ids.add(Number(x));
    if (Array.isArray(e.groups)) for (const g of e.groups as number[][]) for (const x of g) ids.add(x);
    if (Array.isArray(e.by)) for (const x of e.by as number[]) ids.add(x);
  }
  for (const f of doc.traffic) {
    for (const c of [f.from, f.to]) {
      ids.add(c);
      if (serverOf.has(c)) ids.add(serverOf.get(c)!);
    }
  }
  // A named client keeps its server.
  for (const c of t.clients) if (ids.has(c.id)) ids.add(c.server);
  return ids;
}

/** Leaf servers the file does not name: the ones a smaller topology could do without. */
export function droppableServers(doc: ExperimentFile): number[] {
  const t = topologyOf(doc);
  if (t.servers.length <= 1) return [];
  const named = namedIds(doc, t);
  const joined = new Set(t.servers.map((s) => s.join));
  return t.servers.filter((s) => !joined.has(s.id) && !named.has(s.id)).map((s) => s.id);
}

/** Clients the file does not name. */
export function droppableClients(doc: ExperimentFile): number[] {
  const t = topologyOf(doc);
  const named = namedIds(doc, t);
  return t.clients.filter((c) => !named.has(c.id)).map((c) => c.id);
}

/** The file on its topology without servers `drop` (leaves) and their clients, and without clients `dropClients`, inlined. */
export function dropHosts(doc: ExperimentFile, drop: ReadonlySet<number>, dropClients: ReadonlySet<number> = new Set()): ExperimentFile {
  const t = topologyOf(doc);
  return {
    ...doc,
    topology: { ...t, servers: t.servers.filter((s) => !drop.has(s.id)), clients: t.clients.filter((c) => !drop.has(c.server) && !dropClients.has(c.id)) },
  };
}
