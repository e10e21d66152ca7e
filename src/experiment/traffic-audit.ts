// Per traffic flow: was any chat duplicated or delivered out of order, and was every lost chat
// lost to a fault? A lost chat is excused only if it was sent while a fault had broken the
// flow's path (a link on it, a server on it, either end gone), or was in flight when it broke,
// up to the moment the sender's server knew the receiver again. Pure: fed with the deliveries
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
function pathOf(t: Topology, from: number, to: number): { servers: Set<number>; links: Set<string> } {
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
  for (let i = 1; i < servers.length; i++) links.add(linkId(servers[i - 1]!, servers[i]!));
  return { servers: new Set(servers), links };
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

function excusesFor(f: FlowDeliveries, { topology, replay, knowledge: k }: AuditContext, inFlightMs: number): Excuse[] {
  const path = pathOf(topology, f.from, f.to);
  const senderServer = topology.clients.find((c) => c.id === f.from)!.server;
  const out: Excuse[] = [];
  for (const e of replay.episodes) {
    const hits = e.links.some((l) => path.links.has(l)) || e.servers.some((s) => path.servers.has(s)) || e.clients.includes(f.from) || e.clients.includes(f.to);
    if (!hits || !k.broke(e, replay.episodes)) continue;
    // Until the sender's server knows the receiver again (it refuses chats to it until then).
    // What clearing the fault causes counts too: an `up` of a silent link closes the connections
    // that lost bytes (a cut), so a forget after the clear, before the next action, extends it.
    let to = e.end ?? Infinity;
    if (to !== Infinity) {
      const from = k.firstForget(senderServer, f.to, to, e.horizon ?? Infinity) ?? to;
      if (!k.knew(senderServer, f.to, from)) to = k.firstLearn(senderServer, f.to, from) ?? Infinity;
    }
    out.push({ from: e.start - inFlightMs, to, e });
  }
  return out;
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
