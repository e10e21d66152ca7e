// How long each fault took to be noticed, to be known everywhere, and to mend, from the
// recorded node events and the actions (replayed by FaultReplay):
//   detection   fault → the first server declaring the link dead (its netsplit);
//   propagation that server's netsplit → the last node on its side forgetting what is behind it;
//   recovery    the action that clears the fault → every node knowing again all it should, for good.
// Bounds: detection, 0 for a cut (the close is seen at once) or the liveness timeout plus one
// interval for a fault that only silences a link; propagation, the injected latency on the
// longest path from the detecting server to a node that forgets. Pure: tested on event arrays.
import { type LiveNetwork, adjacency, partsOf } from './consistency.ts';
import type { FaultEpisode, FaultReplay } from './fault-replay.ts';
import { Knowledge, type NodeFact } from './knowledge.ts';

export type { NodeFact } from './knowledge.ts';

export interface Liveness {
  intervalMs: number;
  timeoutMs: number;
}

export interface FaultPhases {
  index: number;
  what: string;
  kind: FaultEpisode['kind'];
  /** ms after the experiment's start */
  atMs: number;
  /** each server that declared a link of the fault dead, ms after the fault, and why ("ping timeout", "closed", a client "left") */
  detectedBy: Array<{ server: number; peer: number; ms: number; why: string }>;
  detectionMs: number | null;
  detectionBoundMs: number | null;
  propagationMs: number | null;
  propagationBoundMs: number | null;
  /** (node, host) pairs that should be forgotten, and how many were */
  forgets: { expected: number; seen: number };
  /** ms from the clearing action; null when it was never cleared or never mended */
  recoveryMs: number | null;
  /** the injected latency a registration must cross to mend it (the re-dial is on top) */
  recoveryFloorMs: number | null;
  learns: { expected: number; seen: number };
}

/** What each live node should know: servers every host of their part, clients its other clients. */
function views(net: LiveNetwork): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const part of partsOf(net)) {
    const inPart = new Set(part);
    const clients = net.clients.filter((c) => inPart.has(c.server)).map((c) => c.id);
    for (const s of part) out.set(s, new Set([...part, ...clients].filter((x) => x !== s)));
    for (const c of clients) out.set(c, new Set(clients.filter((x) => x !== c)));
  }
  return out;
}

/** (node, host) pairs with the host in a(node) and not in b(node), for every node of `nodes`. */
function difference(a: Map<number, Set<number>>, b: Map<number, Set<number>>, nodes: Iterable<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const node of nodes) for (const h of a.get(node) ?? []) if (!b.get(node)?.has(h)) out.push([node, h]);
  return out;
}

/**
 * Injected latency from server `from` to every node it reaches over the live links (clients
 * through their server), summed along the tree path, with the faults after `n` actions.
 */
function latencyFrom(replay: FaultReplay, n: number, net: LiveNetwork, from: number): Map<number, number> {
  const adj = adjacency(net);
  const ms = new Map<number, number>([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const next of adj.get(at) ?? []) {
      if (ms.has(next)) continue;
      ms.set(next, ms.get(at)! + replay.latencyAfter(n, at, next));
      queue.push(next);
    }
  }
  for (const c of net.clients) {
    const via = ms.get(c.server);
    if (via !== undefined) ms.set(c.id, via + replay.latencyAfter(n, c.server, c.id));
  }
  return ms;
}

export interface PhaseOptions {
  /** the experiment's start (ms since the epoch) */
  t0: number;
  /** liveness settings, for the bound of faults that only silence a link */
  liveness?: Liveness;
  /** kinds whose detection waits for liveness rather than a close */
  silentKinds?: ReadonlySet<FaultEpisode['kind']>;
}

const DEFAULT_SILENT: ReadonlySet<FaultEpisode['kind']> = new Set(['silent', 'hold']);

export function measurePhases(replay: FaultReplay, events: readonly NodeFact[] | Knowledge, o: PhaseOptions): FaultPhases[] {
  const k = events instanceof Knowledge ? events : new Knowledge(events);
  const silent = o.silentKinds ?? DEFAULT_SILENT;
  const rows: FaultPhases[] = [];
  for (const e of replay.episodes) {
    const pos = replay.position(e.index);
    const until = e.horizon ?? Infinity;
    const ends = e.links.map((l) => l.split('-').map(Number) as [number, number]);
    const onLink = (x: number, y: number) => ends.some(([a, b]) => (x === a && y === b) || (x === b && y === a));
    const detections = k.netsplitsOf(e, replay.episodes);
    // A toxic breaks nothing by itself: it counts as a fault only if a server gave up on its link.
    if (!k.broke(e, replay.episodes)) continue;
    /** The network with this fault's links cut (a toxic's link, once a server gave up on it). */
    const cutting = (net: LiveNetwork): LiveNetwork => (e.breaks ? net : { ...net, links: net.links.filter(([a, b]) => !onLink(a, b)) });

    const before = replay.networkAfter(pos);
    const after = e.breaks ? replay.networkAfter(pos + 1) : cutting(before);
    const detectedAt = new Map<number, { t: number; peer: number; why: string }>();
    for (const d of detections) if (!detectedAt.has(d.node)) detectedAt.set(d.node, { t: d.t, peer: d.peer, why: d.why });
    // A client that leaves is noticed by its server forgetting it.
    for (const c of e.clients) {
      const server = before.clients.find((x) => x.id === c)?.server;
      const t = server === undefined ? undefined : k.firstForget(server, c, e.start, until);
      if (server !== undefined && t !== undefined && !detectedAt.has(server)) detectedAt.set(server, { t, peer: c, why: 'left' });
    }
    const detectedBy = [...detectedAt].map(([server, d]) => ({ server, peer: d.peer, ms: d.t - e.start, why: d.why })).sort((a, b) => a.ms - b.ms);

    // Propagation: each node from the netsplit of the first detecting server on its side.
    const sideOf = new Map<number, number>();
    partsOf(after).forEach((part, i) => part.forEach((s) => sideOf.set(s, i)));
    for (const c of after.clients) sideOf.set(c.id, sideOf.get(c.server)!);
    const detectorOf = new Map<number, number>();
    for (const [server, d] of detectedAt) {
      const side = sideOf.get(server);
      const known = side === undefined ? undefined : detectorOf.get(side);
      if (side !== undefined && (known === undefined || d.t < detectedAt.get(known)!.t)) detectorOf.set(side, server);
    }
    const latencies = new Map([...detectorOf.values()].map((d) => [d, latencyFrom(replay, pos + 1, after, d)]));
    const viewAfter = views(after);
    const forgets = difference(views(before), viewAfter, viewAfter.keys());
    let seen = 0;
    let propagation = 0;
    let bound = 0;
    for (const [node, host] of forgets) {
      const t = k.firstForget(node, host, e.start, until);
      const detector = detectorOf.get(sideOf.get(node) ?? -1);
      if (t === undefined || detector === undefined) continue;
      seen++;
      propagation = Math.max(propagation, t - detectedAt.get(detector)!.t);
      bound = Math.max(bound, latencies.get(detector)!.get(node) ?? 0);
    }

    const recovery = e.endIndex === undefined ? undefined : measureRecovery(replay, k, e, cutting);
    rows.push({
      index: e.index, what: e.what, kind: e.kind, atMs: e.start - o.t0,
      detectedBy,
      detectionMs: detectedBy[0]?.ms ?? null,
      detectionBoundMs: e.kind === 'toxic' ? null : silent.has(e.kind) ? (o.liveness ? o.liveness.timeoutMs + o.liveness.intervalMs : null) : 0,
      propagationMs: forgets.length && seen === forgets.length ? propagation : null,
      propagationBoundMs: forgets.length ? bound : null,
      forgets: { expected: forgets.length, seen },
      recoveryMs: recovery?.ms ?? null,
      recoveryFloorMs: recovery?.floorMs ?? null,
      learns: recovery?.learns ?? { expected: 0, seen: 0 },
    });
  }
  return rows;
}

/**
 * From the action that cleared `e` until every node knows again all it should and keeps
 * knowing it up to the next action: a pair that forgot counts when it last learned again.
 */
function measureRecovery(replay: FaultReplay, k: Knowledge, e: FaultEpisode, cutting: (n: LiveNetwork) => LiveNetwork) {
  const endPos = replay.position(e.endIndex!);
  const next = e.horizon ?? Infinity;
  const cleared = replay.networkAfter(endPos + 1);
  const viewCleared = views(cleared);
  const viewBroken = views(cutting(replay.networkAfter(endPos)));
  const learns = difference(viewCleared, viewBroken, viewCleared.keys());
  const serverOf = new Map(cleared.clients.map((c) => [c.id, c.server]));
  const latencies = new Map<number, Map<number, number>>();
  let last = e.end!;
  let missing = 0;
  let floorMs = 0;
  for (const [node, host] of learns) {
    const at = k.settled(node, host, e.start, next);
    // Nothing happened: it never forgot (fine), unless it was down and has to learn from scratch.
    if (at === null || (at === undefined && !viewBroken.has(node))) missing++;
    else if (at !== undefined) last = Math.max(last, at);
    const source = serverOf.get(host) ?? host;
    if (!latencies.has(source)) latencies.set(source, latencyFrom(replay, endPos + 1, cleared, source));
    floorMs = Math.max(floorMs, latencies.get(source)!.get(node) ?? 0);
  }
  return { ms: missing ? null : last - e.end!, floorMs, learns: { expected: learns.length, seen: learns.length - missing } };
}

/** Nearest-rank spread of a few samples. */
export interface Spread {
  count: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
}

export function spread(xs: readonly number[]): Spread | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { count: s.length, min: s[0]!, p50: at(50), p99: at(99), max: s[s.length - 1]! };
}

/** The phases of every fault of one description ("down 2-4", "partition", …), together. */
export interface PhaseStats {
  what: string;
  kind: FaultEpisode['kind'];
  faults: number;
  detection: Spread | null;
  detectionBoundMs: number | null;
  propagation: Spread | null;
  propagationBoundMs: number | null;
  recovery: Spread | null;
  recoveryFloorMs: number | null;
  /** faults with a phase that never completed */
  incomplete: number;
}

export function phaseStats(rows: readonly FaultPhases[]): PhaseStats[] {
  const groups = new Map<string, FaultPhases[]>();
  for (const r of rows) groups.set(r.what, [...(groups.get(r.what) ?? []), r]);
  const values = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);
  const most = (xs: Array<number | null>) => (values(xs).length ? Math.max(...values(xs)) : null);
  return [...groups].map(([what, rs]) => ({
    what, kind: rs[0]!.kind, faults: rs.length,
    detection: spread(values(rs.map((r) => r.detectionMs))),
    detectionBoundMs: most(rs.map((r) => r.detectionBoundMs)),
    propagation: spread(values(rs.map((r) => r.propagationMs))),
    propagationBoundMs: most(rs.map((r) => r.propagationBoundMs)),
    recovery: spread(values(rs.map((r) => r.recoveryMs))),
    recoveryFloorMs: most(rs.map((r) => r.recoveryFloorMs)),
    incomplete: rs.filter((r) => r.detectionMs === null || r.propagationMs === null || (r.recoveryMs === null && r.learns.expected > 0)).length,
  }));
}
