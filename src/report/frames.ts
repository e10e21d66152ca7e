// Pairing each traced frame's send with its receive. TCP and the proxies keep order, so
// within one (sender, receiver) pair a receive matches the earliest unmatched send with the
// same fingerprint, and every send it skips over can no longer arrive: it was lost (to a cut,
// a crash or a silent fault).
import type { FrameEvent } from '../net/events.ts';
import type { EventRecord } from '../experiment/summary.ts';

export interface Frame {
  from: number;
  to: number;
  /** the message type's name */
  frame: string;
  bytes: number;
  sentAt: number;
  /** null: never received */
  receivedAt: number | null;
  /** for a frame never received: when either end next saw the link between them go down (null: never) */
  lostAt?: number | null;
}

export interface FrameMatch {
  /** every send to a known server, by send time */
  frames: Frame[];
  /** sends on a dialled link whose far end never registered (e.g. a server that was down) */
  unaddressed: number;
  /** receives that no send matched (none, unless events were lost) */
  unmatchedReceives: number;
}

type Traced = FrameEvent & { t: number; node: number };

/** A receive may be stamped a little before its send: the threads' clocks agree only so far. */
const CLOCK_SLACK_MS = 1;

const isFrame = (e: EventRecord): e is Traced & EventRecord => e.type === 'frame-sent' || e.type === 'frame-received';

/** A send and its fingerprint, while matching. */
interface Send {
  f: Frame;
  fp: string;
}

export function matchFrames(events: readonly EventRecord[]): FrameMatch {
  const { sends, unaddressed } = addressedSends(events);
  const receives = new Map<string, Traced[]>();
  for (const e of events) {
    if (e.type === 'frame-received' && isFrame(e)) push(receives, `${e.peer}>${e.node}`, e);
  }
  const frames: Frame[] = [];
  let unmatchedReceives = 0;
  for (const [pair, out] of sends) {
    unmatchedReceives += matchPair(out, receives.get(pair) ?? []);
    receives.delete(pair);
    for (const s of out) frames.push(s.f);
  }
  for (const got of receives.values()) unmatchedReceives += got.length;
  frames.sort((a, b) => a.sentAt - b.sentAt);
  markLost(frames, events);
  return { frames, unaddressed, unmatchedReceives };
}

/**
 * Every send, grouped by "from>to". A send on a link not registered yet (peer 0) takes its
 * peer from that connection's link-up; if the connection closes (or its number is reused by a
 * restarted server) first, it went nowhere known.
 */
function addressedSends(events: readonly EventRecord[]): { sends: Map<string, Send[]>; unaddressed: number } {
  const sends = new Map<string, Send[]>();
  const waiting = new Map<string, Send[]>();
  let unaddressed = 0;
  const drop = (key: string) => {
    unaddressed += waiting.get(key)?.length ?? 0;
    waiting.delete(key);
  };
  for (const e of events) {
    if (!('node' in e)) continue;
    if (e.type === 'frame-sent' && isFrame(e)) {
      const s: Send = { f: { from: e.node, to: e.peer, frame: e.frame, bytes: e.bytes, sentAt: e.t, receivedAt: null }, fp: e.fp };
      if (e.peer === 0) push(waiting, `${e.node}:${e.conn}`, s);
      else push(sends, `${e.node}>${e.peer}`, s);
    } else if (e.type === 'link-up' && e.kind === 'server') {
      const key = `${e.node}:${e.conn}`;
      for (const s of waiting.get(key) ?? []) {
        s.f.to = e.peerId;
        push(sends, `${e.node}>${e.peerId}`, s);
      }
      waiting.delete(key);
    } else if (e.type === 'conn-opened' || e.type === 'conn-closed') {
      drop(`${e.node}:${e.conn}`);
    }
  }
  for (const key of [...waiting.keys()]) drop(key);
  // Sends addressed late were pushed after later ones: back into send order.
  for (const out of sends.values()) out.sort((a, b) => a.f.sentAt - b.f.sentAt);
  return { sends, unaddressed };
}

/**
 * Sets receivedAt on the sends (in send order) that arrived; returns how many receives (in
 * receive order) matched none. Matching only moves forward: a receive after send k means
 * every unmatched send before k is lost.
 */
function matchPair(out: readonly Send[], got: readonly Traced[]): number {
  // Per fingerprint, the indices of its sends and how far matching has got through them.
  const byFp = new Map<string, { at: number[]; next: number }>();
  out.forEach((s, i) => {
    const entry = byFp.get(s.fp);
    if (entry) entry.at.push(i);
    else byFp.set(s.fp, { at: [i], next: 0 });
  });
  let cursor = 0;
  let unmatched = 0;
  for (const r of got) {
    const entry = byFp.get(r.fp);
    if (entry) while (entry.next < entry.at.length && entry.at[entry.next]! < cursor) entry.next++;
    const k = entry?.at[entry.next];
    if (k === undefined || out[k]!.f.sentAt > r.t + CLOCK_SLACK_MS) {
      unmatched++;
      continue;
    }
    out[k]!.f.receivedAt = r.t;
    entry!.next++;
    cursor = k + 1;
  }
  return unmatched;
}

/** Where a lost frame's arrow ends: the link's next link-down, seen from either end. */
function markLost(frames: Frame[], events: readonly EventRecord[]): void {
  const downs = new Map<string, number[]>();
  const pair = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);
  for (const e of events) if (e.type === 'link-down' && 'node' in e && e.kind === 'server') push(downs, pair(e.node, e.peerId), e.t);
  for (const list of downs.values()) list.sort((a, b) => a - b);
  for (const f of frames) {
    if (f.receivedAt !== null) continue;
    const list = downs.get(pair(f.from, f.to)) ?? [];
    // The first link-down at or after the send (binary search).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! < f.sentAt) lo = mid + 1;
      else hi = mid;
    }
    f.lostAt = list[lo] ?? null;
  }
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}
