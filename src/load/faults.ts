// An experiment's timeline played over the load (--experiment FILE): its actions run at their
// times from the load's start by the experiment runner's own runAction; its checks are not run
// (the load clients are outside the coordinator's knowledge model, so convergence checks
// would see hosts it does not expect) and are listed as skipped. The actions become fault
// windows on the report's charts: a fault from its action to the action that undoes it.
import type { Simulation } from '../coordinator/simulation.ts';
import { describe, runAction } from '../experiment/actions.ts';
import { type Action, type Experiment, isCheck } from '../experiment/schema.ts';
import { nowMs } from '../util/clock.ts';

export interface PlayedAction {
  /** ms since the load's start */
  atMs: number;
  did: string;
  error?: string;
}

export interface FaultWindow {
  label: string;
  fromMs: number;
  /** absent: lasted to the end of the run */
  toMs?: number;
}

/** Play every action at t0 + its time; resolves with what was done (and the skipped checks). */
export async function playTimeline(sim: Simulation, exp: Experiment, t0: number, log: (line: string) => void): Promise<{ played: PlayedAction[]; skipped: string[] }> {
  let last = 0;
  const entries = exp.timeline.map((e, index) => {
    const at = e.at ?? last;
    last = at;
    return { e, at, index };
  }).sort((a, b) => a.at - b.at || a.index - b.index);
  const played: PlayedAction[] = [];
  const skipped: string[] = [];
  for (const { e, at } of entries) {
    if (isCheck(e)) {
      skipped.push(describe(e));
      continue;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + at - nowMs())));
    const entry: PlayedAction = { atMs: +(nowMs() - t0).toFixed(1), did: describe(e) };
    try {
      await runAction(sim, exp.topology, e);
    } catch (err) {
      entry.error = (err as Error).message;
    }
    log(`${(entry.atMs / 1000).toFixed(3)} s: ${entry.did}${entry.error ? ` FAILED: ${entry.error}` : ''}`);
    played.push(entry);
  }
  return { played, skipped };
}

/** What an action starts, keyed so the action that ends it can be found; undefined for an ending action. */
function opens(a: Action): { key: string; label: string } | undefined {
  switch (a.do) {
    case 'down': return { key: `down ${a.link}`, label: `${a.link} down` };
    case 'hold': return { key: `hold ${a.link}`, label: `${a.link} held` };
    case 'partition': return { key: 'partition', label: 'partition' };
    case 'crash': return { key: `crash ${a.server}`, label: `${a.server} crashed` };
    case 'latency': return { key: `toxic ${a.link} ${a.toxic.name}`, label: `${a.link} +${a.toxic.attributes.ms} ms` };
    case 'toxic': return { key: `toxic ${a.link} ${a.toxic.name}`, label: `${a.link} ${a.toxic.type}` };
    default: return undefined;
  }
}

function closes(a: Action): string | undefined {
  switch (a.do) {
    case 'up': return `down ${a.link}`;
    case 'release': return `hold ${a.link}`;
    case 'heal': return 'partition';
    case 'restart': return `crash ${a.server}`;
    case 'remove': return `toxic ${a.link} ${a.name}`;
    default: return undefined;
  }
}

/** Fault windows from the actions as played (their real times). */
export function faultWindows(exp: Experiment, played: readonly PlayedAction[]): FaultWindow[] {
  const actions = exp.timeline.filter((e): e is Action => !isCheck(e));
  const byDid = new Map<string, Action[]>();
  for (const a of actions) byDid.set(describe(a), [...(byDid.get(describe(a)) ?? []), a]);
  const open = new Map<string, FaultWindow>();
  const out: FaultWindow[] = [];
  for (const p of played) {
    const a = byDid.get(p.did)?.shift();
    if (!a || p.error) continue;
    const o = opens(a);
    if (o) {
      const w = { label: o.label, fromMs: p.atMs };
      open.set(o.key, w);
      out.push(w);
      continue;
    }
    const key = closes(a);
    const w = key ? open.get(key) : undefined;
    if (w && key) {
      w.toMs = p.atMs;
      open.delete(key);
    }
  }
  return out;
}
