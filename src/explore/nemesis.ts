// The nemesis: from a topology, a seed, the fault kinds and a duration, a random fault schedule
// as an experiment file. Faults start and end inside the duration, never two at once on the
// same link, server or partition, and each is ended (up, heal, restart, release, remove), so
// the run ends healed; timed `converged` checks after the actions that break something
// (timed-checks.ts); then one check, `expect consistent` within the settle time, and the
// runner's verdict (final consistency and the traffic audit of the flows across the tree).
// Deterministic: the same inputs give the same file.
import type { Topology } from '../topology/schema.ts';
import { mulberry32 } from '../util/random.ts';
import { type EntryDoc, type ExperimentFile, type FlowDoc, slug } from './doc.ts';
import { withTimedChecks } from './timed-checks.ts';
import { hops, leaves, partsAfterCut, serverLinks } from './tree.ts';

export const FAULT_KINDS = ['partition', 'crash', 'flap', 'latency', 'silent', 'hold', 'client'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How long the network gets after the last action to be consistent again (ms): liveness, re-dial backoff and re-join, with room. */
export const DEFAULT_SETTLE_MS = 5000;
/** Faults on the same link, server or partition keep this far apart (ms), so their actions never tie. */
const GAP_MS = 100;
const MAX_FAULTS = 4;

export interface NemesisOptions {
  /** the resolved topology */
  topology: Topology;
  /** how the file names it (a generator spec or a path); inlined when explore had to add clients */
  spec: string;
  seed: number;
  faults: readonly FaultKind[];
  /** the window the faults happen in (ms) */
  durationMs: number;
  settleMs?: number;
  /** written into the file, so `npm run experiment -- FILE` replays it where it was found */
  placement?: string;
}

/** Two clients at least, for traffic: a topology without them gets one on each of a few servers (the same for every seed). */
export function withTrafficClients(t: Topology): Topology {
  if (t.clients.length >= 2) return t;
  const used = new Set([...t.servers.map((s) => s.id), ...t.clients.map((c) => c.id)]);
  const ends = leaves(t);
  const picks = t.servers.length === 1 ? [t.servers[0]!.id, t.servers[0]!.id]
    : [...new Set([ends[0]!, ends[ends.length - 1]!, ends[Math.floor(ends.length / 2)]!, t.servers[0]!.id])];
  const clients = [...t.clients];
  let next = 100_001;
  for (const server of picks) {
    while (used.has(next)) next++;
    used.add(next);
    clients.push({ id: next, name: `c${next}`, info: 'explore traffic', server });
  }
  return { ...t, clients };
}

type Rand = () => number;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const ms10 = (rand: Rand, lo: number, hi: number) => 10 * int(rand, Math.ceil(lo / 10), Math.floor(hi / 10));

interface Fault {
  actions: EntryDoc[];
  /** what it occupies from its first action to its last: "link a-b", "server n", "partition" */
  uses: string[];
}

/** One fault of `kind` starting at 0 (shifted into place later); undefined when the topology has nothing to put it on. */
function fault(kind: FaultKind, t: Topology, rand: Rand, n: number): Fault | undefined {
  const links = serverLinks(t);
  const link = () => {
    const [a, b] = pick(rand, links);
    return { link: `${a}-${b}`, use: `link ${Math.min(a, b)}-${Math.max(a, b)}` };
  };
  const direction = (both: boolean) => pick(rand, both ? ['upstream', 'downstream', 'both'] : ['upstream', 'downstream']);
  if (kind === 'crash') {
    const server = pick(rand, t.servers).id;
    const len = ms10(rand, 200, 3000);
    const near = links.filter(([a, b]) => a === server || b === server).map(([a, b]) => `link ${Math.min(a, b)}-${Math.max(a, b)}`);
    return { actions: [{ at: 0, do: 'crash', server }, { at: len, do: 'restart', server }], uses: [`server ${server}`, ...near] };
  }
  if (kind === 'client') {
    // A client quits or drops its connection, then joins again: the quit and re-join rules.
    const c = pick(rand, t.clients);
    const how = pick(rand, ['quit', 'disconnect'] as const);
    const gone: EntryDoc = how === 'quit' ? { at: 0, do: 'quit', client: c.id, text: 'bye' } : { at: 0, do: 'disconnect', client: c.id };
    return { actions: [gone, { at: ms10(rand, 300, 3000), do: 'join', client: c.id }], uses: [`client ${c.id}`, `server ${c.server}`] };
  }
  if (links.length === 0) return undefined;
  switch (kind) {
    case 'partition': {
      const cut = new Set<string>();
      const want = Math.min(links.length, int(rand, 1, 2));
      while (cut.size < want) cut.add(pick(rand, links).join('-'));
      // Every part but the largest is a group; the largest is the rest (servers not named).
      const groups = partsAfterCut(t, cut).slice(1);
      const len = ms10(rand, 300, 3000);
      const mode = rand() < 0.5 ? 'cut' : 'silent';
      const uses = ['partition', ...[...cut].map((l) => {
        const [a, b] = l.split('-').map(Number) as [number, number];
        return `link ${Math.min(a, b)}-${Math.max(a, b)}`;
      })];
      return { actions: [{ at: 0, do: 'partition', groups, mode }, { at: len, do: 'heal' }], uses };
    }
    case 'flap': {
      const { link: l, use } = link();
      const cycles = int(rand, 2, 5);
      const half = ms10(rand, 50, 400);
      const actions: EntryDoc[] = [];
      for (let i = 0; i < cycles; i++) actions.push({ at: 2 * i * half, do: 'down', link: l }, { at: (2 * i + 1) * half, do: 'up', link: l });
      return { actions, uses: [use] };
    }
    case 'latency': {
      const { link: l, use } = link();
      const delay = int(rand, 5, 300);
      const jitter = Math.floor(rand() * delay / 2);
      const name = `lat${n}`;
      return {
        actions: [{ at: 0, do: 'latency', link: l, ms: delay, jitter, direction: direction(true), name }, { at: ms10(rand, 200, 4000), do: 'remove', link: l, name }],
        uses: [use],
      };
    }
    case 'silent': {
      const { link: l, use } = link();
      const d = direction(false);
      return {
        actions: [{ at: 0, do: 'down', link: l, direction: d, mode: 'silent' }, { at: ms10(rand, 300, 3000), do: 'up', link: l, direction: d, mode: 'silent' }],
        uses: [use],
      };
    }
    case 'hold': {
      const { link: l, use } = link();
      const d = direction(true);
      return { actions: [{ at: 0, do: 'hold', link: l, direction: d }, { at: ms10(rand, 100, 2000), do: 'release', link: l, direction: d }], uses: [use] };
    }
  }
}

/** Flows between clients far apart, so their chats cross the tree. */
function flows(t: Topology, rand: Rand): FlowDoc[] {
  const serverOf = new Map(t.clients.map((c) => [c.id, c.server]));
  const out: FlowDoc[] = [];
  const count = int(rand, 2, 3);
  for (let i = 0; i < count; i++) {
    const from = pick(rand, t.clients).id;
    const dist = hops(t, serverOf.get(from)!);
    const others = t.clients.filter((c) => c.id !== from);
    const far = Math.max(...others.map((c) => dist.get(c.server) ?? 0));
    const to = pick(rand, others.filter((c) => (dist.get(c.server) ?? 0) === far)).id;
    out.push({ from, to, rate: 10 * int(rand, 2, 10), size: 64 });
  }
  return out;
}

export function generateSchedule(o: NemesisOptions): ExperimentFile {
  if (o.faults.length === 0) throw new Error('the nemesis needs at least one fault kind');
  const rand = mulberry32(o.seed);
  const topology = withTrafficClients(o.topology);
  const settle = o.settleMs ?? DEFAULT_SETTLE_MS;
  const taken: Array<{ use: string; from: number; to: number }> = [];
  const placed: Array<{ order: number; e: EntryDoc }> = [];
  const count = int(rand, 1, MAX_FAULTS);
  for (let n = 0; n < count; n++) {
    const f = fault(pick(rand, o.faults), topology, rand, n);
    if (!f) continue;
    const len = Math.max(...f.actions.map((a) => a.at!));
    // A few tries at a start where nothing it uses is busy.
    for (let attempt = 0; attempt < 8; attempt++) {
      const start = 100 + ms10(rand, 0, Math.max(0, o.durationMs - len - 100));
      const clash = taken.some((x) => f.uses.includes(x.use) && start - GAP_MS < x.to && x.from < start + len + GAP_MS);
      if (clash) continue;
      for (const use of f.uses) taken.push({ use, from: start, to: start + len });
      for (const a of f.actions) placed.push({ order: placed.length, e: { ...a, at: a.at! + start } });
      break;
    }
  }
  placed.sort((x, y) => x.e.at! - y.e.at! || x.order - y.order);
  // Timed checks after the actions that break something (timed-checks.ts), then the final check.
  const timeline = withTimedChecks(placed.map((p) => p.e), topology);
  const last = placed.length ? placed[placed.length - 1]!.e.at! : 0;
  // No `at`: the check starts with the last action.
  timeline.push({ expect: 'consistent', within: settle });
  return {
    name: `explore-${slug(o.spec)}-${o.seed}`,
    description: `A random fault schedule from explore's nemesis: seed ${o.seed}, faults ${o.faults.join(',')}, ${o.durationMs} ms on ${o.spec}.`,
    topology: topology === o.topology ? o.spec : topology,
    seed: o.seed,
    ...(o.placement ? { placement: o.placement } : {}),
    traffic: flows(topology, rand),
    timeline,
    duration: last + settle,
    // The servers' production path (per-frame tracing turns the chat fast path off), and a third less work per run.
    traceFrames: false,
  };
}
