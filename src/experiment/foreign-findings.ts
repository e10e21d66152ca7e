// Foreign servers in an experiment: how each host is observed, and which problems a check or
// the verdict finds are theirs rather than ours. A course server handles no server quit and
// has no liveness (IMPLEMENTATIONS.md): it never forgets what lies behind a lost or silent
// link, and never passes such news on. So a problem at a foreign host, or at one of ours about
// a host whose tree path crosses a foreign server, is a finding about that server under that
// rule, not an error of ours. Pure: tested with plain topologies.
import { type Observed, implLabel, observedOf } from '../topology/impl-spec.ts';
import type { Topology } from '../topology/schema.ts';
import { type Verdict, flowWords } from './verdict.ts';

export interface HostObservation {
  id: number;
  name: string;
  /** "ours", "course:DIR" or "command:prog" */
  impl: string;
  observed: Observed;
}

/** What each way of observing gives, in words for summary.md and the dashboard. */
export const OBSERVED_HOW: Record<Observed, string> = {
  ours: 'our crc-server: its own events and /node-state, byte counters, liveness',
  course: 'course layout under tools/course_host.py: state polled from its attributes (events synthesized from the polls), no byte counters, no liveness, no server-quit handling',
  'black-box': 'a program we only see from outside: its port; no state, no events, no counters (what it knows is assumed, never checked)',
};

/** The rule a foreign host cannot follow, named in each finding about it. */
export const FOREIGN_RULE: Record<Exclude<Observed, 'ours'>, string> = {
  course: 'has no liveness and no server-quit handling: a silent partition is never detected, and a lost link is never passed on',
  'black-box': 'is black-box: its state cannot be read, so nothing about it is checked',
};

/** Every server's impl and how it is observed (servers only; clients are always ours). */
export function observations(t: Topology): HostObservation[] {
  return t.servers.map((s) => ({ id: s.id, name: s.name, impl: implLabel(s.impl), observed: observedOf(s.impl) }));
}

export interface Finding {
  /** the foreign server the problem is put down to */
  host: number;
  rule: string;
  /** what was seen, at which host */
  seen: string[];
}

/** "server 3 grey_havens (course:DIR) has no liveness ...: seen ..." */
export function findingText(f: Finding, t: Topology): string {
  const s = t.servers.find((x) => x.id === f.host);
  return `server ${f.host}${s ? ` ${s.name} (${implLabel(s.impl)})` : ''} ${f.rule}: ${f.seen.join('; ')}`;
}

/** The tree path from host a to host b over the topology (servers by their joins, clients on their server), both ends included. */
export function treePath(t: Topology, a: number, b: number): number[] {
  const parent = new Map<number, number>();
  for (const s of t.servers) if (s.join !== undefined) parent.set(s.id, s.join);
  for (const c of t.clients) parent.set(c.id, c.server);
  const up = (x: number) => {
    const path = [x];
    for (let at = x, n = 0; parent.has(at) && n <= parent.size; n++) path.push((at = parent.get(at)!));
    return path;
  };
  const fromA = up(a);
  const fromB = up(b);
  const onA = new Set(fromA);
  const meet = fromB.find((x) => onA.has(x));
  if (meet === undefined) return [];
  return [...fromA.slice(0, fromA.indexOf(meet) + 1), ...fromB.slice(0, fromB.indexOf(meet)).reverse()];
}

/** The foreign server to blame for `node`'s wrong view of `about`: the first on the path from it (itself first), never `about` itself. */
export function blameFor(t: Topology, foreign: ReadonlySet<number>, node: number, about: number): number | undefined {
  return treePath(t, node, about).slice(0, -1).find((x) => foreign.has(x));
}

/** One node's problem: hosts it is missing or has in excess, or anything else (kept as said). */
export interface NodeProblem {
  node: number;
  what: 'missing' | 'extra' | 'other';
  ids: number[];
  text: string;
}

/**
 * Split problems into ours and findings about foreign servers: anything at a foreign host is
 * its own; a missing or extra host at ours is the foreign server's when every id's path from
 * it crosses one (grouped by the first such server on the way).
 */
export function attribute(t: Topology, problems: readonly NodeProblem[], nameOf: (id: number) => string): { ours: NodeProblem[]; findings: Finding[] } {
  const foreign = new Map(t.servers.filter((s) => s.impl).map((s) => [s.id, observedOf(s.impl) as Exclude<Observed, 'ours'>]));
  const ours: NodeProblem[] = [];
  const byHost = new Map<number, string[]>();
  const add = (host: number, seen: string) => byHost.set(host, [...(byHost.get(host) ?? []), seen]);
  const at = (p: NodeProblem) => `${nameOf(p.node)} (${p.node})`;
  for (const p of problems) {
    if (foreign.has(p.node)) {
      add(p.node, `${at(p)} ${p.text}`);
      continue;
    }
    const blamed = p.what === 'other' || p.ids.length === 0 ? [] : p.ids.map((id) => blameFor(t, new Set(foreign.keys()), p.node, id));
    if (blamed.length === 0 || blamed.some((b) => b === undefined)) {
      ours.push(p);
      continue;
    }
    for (const host of new Set(blamed as number[])) {
      const ids = p.ids.filter((_, i) => blamed[i] === host);
      add(host, `${at(p)} ${p.what === 'extra' ? 'still knows' : 'does not know'} [${ids.join(', ')}] (the news had to pass through it)`);
    }
  }
  const findings = [...byHost].map(([host, seen]) => ({ host, rule: FOREIGN_RULE[foreign.get(host)!], seen }));
  return { ours, findings };
}

/** A consistency or Ledger problem line's ids, when it names hosts missing or in excess ("extra hosts [1, 2]"). */
export function problemOf(node: number, text: string): NodeProblem {
  const m = text.match(/^(missing|extra)(?: hosts| clients)? \[([\d, ]*)\]$/);
  if (!m) return { node, what: 'other', ids: [], text };
  return { node, what: m[1] as 'missing' | 'extra', ids: m[2]!.split(',').map((x) => x.trim()).filter(Boolean).map(Number), text };
}

/**
 * The verdict with foreign servers' problems moved out of it into findings: it passes when
 * what is left (ours) is consistent and every flow that fails crosses no foreign server.
 */
export function verdictWithFindings(v: Verdict, t: Topology): Verdict {
  if (!t.servers.some((s) => s.impl)) return v;
  const names = new Map(v.consistency.diff.map((d) => [d.id, d.name]));
  const problems = v.consistency.diff.flatMap((d) => d.problems.map((p) => problemOf(d.id, p)));
  const { ours, findings } = attribute(t, problems, (id) => names.get(id) ?? String(id));
  const foreign = new Set(t.servers.filter((s) => s.impl).map((s) => s.id));
  for (const f of v.traffic) {
    if (f.ok) continue;
    const host = treePath(t, f.from, f.to).find((x) => foreign.has(x));
    if (host === undefined) continue;
    const seen = `chats ${f.from} → ${f.to} cross it: ${flowWords(f)}`;
    const found = findings.find((x) => x.host === host);
    if (found) found.seen.push(seen);
    else findings.push({ host, rule: FOREIGN_RULE[observedOf(t.servers.find((s) => s.id === host)!.impl) as Exclude<Observed, 'ours'>], seen: [seen] });
  }
  const oursIds = new Set(ours.map((p) => p.node));
  const diff = v.consistency.diff.filter((d) => oursIds.has(d.id)).map((d) => ({ ...d, problems: ours.filter((p) => p.node === d.id).map((p) => p.text) }));
  const trafficOk = v.traffic.every((f) => f.ok || treePath(t, f.from, f.to).some((x) => foreign.has(x)));
  const consistent = diff.length === 0;
  return {
    ...v,
    passed: consistent && trafficOk,
    consistency: { ...v.consistency, consistent, diff },
    findings: findings.map((f) => findingText(f, t)),
  };
}
