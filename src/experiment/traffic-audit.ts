// Per traffic flow: was any chat duplicated or delivered out of order, and was every lost chat
// lost to a fault? A lost chat is excused only if it was sent while a fault had broken the
// flow's path (a link on it, a server on it, either end gone), or was in flight when it broke,
// up to the moment every server on the path knew the receiver again. Pure: fed with the deliveries
// the runner matched (traffic-text.ts stamps) and the run's faults and node events.
import type { Topology } from '../topology/schema.ts';
import type { FaultEpisode, FaultReplay } from './fault-replay.ts';
import { linkId } from './fault-replay.ts';
import type { Knowledge } from './knowledge.ts';

/** One flow as the runner saw it: its chats' sequence numbers and send times, in arrival order. */
export interface FlowDeliveries {
  from: number;
  to: number;
  rate: number;
  sent: number;
  /** when it started and stopped sending (ms since the epoch) */
  startAt: number;
  stopAt: number;
  seq: readonly number[];
  sentAt: readonly number[];
  /** delivery times, the same order (ms since the epoch) */
  deliveredAt: readonly number[];
}

export interface FlowAudit {
  from: number;
  to: number;
  sent: number;
  delivered: number;
  duplicated: number;
  reordered: number;
  lost: number;
  /** lost while a fault had broken the path, per fault */
  lostToFaults: Array<{ index: number; what: string; lost: number }>;
  lostUnexplained: number;
  /** a few of the problems, for people */
  examples: string[];
  ok: boolean;
}

/** The servers and links a flow's chats cross: the tree path between the two clients' servers. */
function pathOf(t: Topology, from: number, to: number): { servers: Set<number>; links: Set<string>; hops: Array<[number, number]> } {
  const serverOf = new Map(t.clients.map((c) => [c.id, c.server]));
  const parent = new Map(t.servers.map((s) => [s.id, s.join]));
  const up = (s: number | undefined) => {
    const chain: number[] = [];
    for (let x = s; x !== undefined; x = parent.get(x)) chain.push(x);
    return chain;
  };
  const a = up(serverOf.get(from));
  const b = up(serverOf.get(to));
  const inB = new Set(b);
  const meet = a.find((x) => inB.has(x));
  const servers = [...a.slice(0, a.indexOf(meet!) + 1), ...b.slice(0, b.indexOf(meet!)).reverse()];
  const links = new Set([linkId(from, serverOf.get(from)!), linkId(to, serverOf.get(to)!)]);
  const hops: Array<[number, number]> = [[from, serverOf.get(from)!], [serverOf.get(to)!, to]];
  for (let i = 1; i < servers.length; i++) {
    links.add(linkId(servers[i - 1]!, servers[i]!));
    hops.push([servers[i - 1]!, servers[i]!]);
  }
  return { servers: new Set(servers), links, hops };
}

/** A span of send times in which a flow's chats may be lost to fault `e`. */
interface Excuse {
  from: number;
  to: number;
  e: FaultEpisode;
}

export interface AuditContext {
  topology: Topology;
  replay: FaultReplay;
  knowledge: Knowledge;
  /** the experiment's start (ms since the epoch), for times in examples */
  t0: number;
}

/** How long after a fault on the path its news may still be crossing it: twice the latency injected along the path, plus a second. */
const NEWS_MARGIN_MS = 1000;

function excusesFor(f: FlowDeliveries, { topology, replay, knowledge: k }: AuditContext, inFlightMs: number): Excuse[] {
  const path = pathOf(topology, f.from, f.to);
  const hitsPath = (e: FaultEpisode) => e.links.some((l) => path.links.has(l)) || e.servers.some((s) => path.servers.has(s)) || e.clients.includes(f.from) || e.clients.includes(f.to);
  const out: Excuse[] = [];
  for (const e of replay.episodes) {
    if (!hitsPath(e) || !k.broke(e, replay.episodes)) continue;
    // Until every server on the path knows the receiver again: one that does not drops its chats
    // (by design: CRC does not queue for unknown destinations). The news of the break and of the
    // repair crosses the path after the fault itself, later still over delayed links (an `up` of
    // a silent link is also a cut: it closes the connections that lost bytes). So a forget counts
    // until the next breaking fault on the path, and at most until the path's injected latency
    // (both ways) plus a margin past the later of the clear and the next action.
    let to = e.end ?? Infinity;
    if (to !== Infinity) {
      const next = replay.episodes.find((x) => x !== e && x.start >= e.end! && hitsPath(x) && x.breaks)?.start ?? Infinity;
      const windowEnd = Math.min(next, Math.max(e.horizon ?? Infinity, e.end! + pathLatency(replay, e, path.hops) * 2 + NEWS_MARGIN_MS));
      for (const server of path.servers) for (const { back } of k.outages(server, f.to, e.start, windowEnd)) to = Math.max(to, back);
    }
    out.push({ from: e.start - inFlightMs, to, e });
  }
  return out;
}

/** The latency injected one way along the path (the larger way) when fault `e` was cleared. */
function pathLatency(replay: FaultReplay, e: FaultEpisode, hops: Array<[number, number]>): number {
  const n = e.endIndex === undefined ? replay.count : replay.position(e.endIndex) + 1;
  let there = 0;
  let back = 0;
  for (const [a, b] of hops) {
    there += replay.latencyAfter(n, a, b);
    back += replay.latencyAfter(n, b, a);
  }
  return Math.max(there, back);
}

export function auditFlow(f: FlowDeliveries, ctx: AuditContext): FlowAudit {
  const examples: string[] = [];
  const note = (s: string) => {
    if (examples.length < 5) examples.push(s);
  };
  // The sender's count, or more if it failed to report one (its deliveries still count).
  const sent = f.seq.reduce((m, s) => Math.max(m, s + 1), f.sent);
  const sentAtOf = new Float64Array(sent).fill(NaN);
  let duplicated = 0;
  let reordered = 0;
  let top = -1;
  let slowest = 0;
  for (let i = 0; i < f.seq.length; i++) {
    const seq = f.seq[i]!;
    if (!Number.isNaN(sentAtOf[seq]!)) {
      duplicated++;
      note(`chat ${seq} delivered twice`);
      continue;
    }
    sentAtOf[seq] = f.sentAt[i]!;
    slowest = Math.max(slowest, f.deliveredAt[i]! - f.sentAt[i]!);
    if (seq < top) {
      reordered++;
      note(`chat ${seq} delivered after ${top}`);
    }
    top = Math.max(top, seq);
  }
  // A chat still in flight when a fault struck may be lost: as far back as the slowest delivery.
  const excuses = excusesFor(f, ctx, slowest + 1);
  const perFault = new Map<number, { index: number; what: string; lost: number }>();
  let lost = 0;
  let unexplained = 0;
  const gap = 1000 / f.rate;
  // When was a lost chat sent? Not before the chat delivered before it, nor before its turn in
  // the sender's schedule (chat s is due s intervals after the flow starts; a late timer only
  // sends it later); not after the chat delivered after it (or the flow's end). It is excused
  // if that span meets a fault's window, give or take one interval.
  const sec = (t: number) => ((t - ctx.t0) / 1000).toFixed(3);
  for (let seq = 0; seq < sent;) {
    if (!Number.isNaN(sentAtOf[seq]!)) {
      seq++;
      continue;
    }
    let end = seq;
    while (end < sent && Number.isNaN(sentAtOf[end]!)) end++;
    const lo = seq > 0 ? sentAtOf[seq - 1]! : f.startAt;
    const hi = end < sent ? sentAtOf[end]! : f.stopAt;
    for (let s = seq; s < end; s++) {
      lost++;
      const earliest = Math.min(hi, Math.max(lo, f.startAt + s * gap));
      const excuse = excuses.find((x) => earliest - gap <= x.to && hi + gap >= x.from);
      if (excuse) {
        const row = perFault.get(excuse.e.index) ?? { index: excuse.e.index, what: excuse.e.what, lost: 0 };
        row.lost++;
        perFault.set(excuse.e.index, row);
      } else {
        unexplained++;
        note(`chat ${s} (sent between ${sec(earliest)} and ${sec(hi)} s) lost outside any fault`);
      }
    }
    seq = end;
  }
  const delivered = f.seq.length - duplicated;
  return {
    from: f.from, to: f.to, sent, delivered, duplicated, reordered, lost,
    lostToFaults: [...perFault.values()].sort((a, b) => a.index - b.index),
    lostUnexplained: unexplained,
    examples,
    ok: duplicated === 0 && reordered === 0 && unexplained === 0,
  };
}
