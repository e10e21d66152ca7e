// Judging the run, not only its end: after each action that breaks something (a partition, a
// link down, a crash, a client's quit or disconnect) and is followed by a quiet window, the network must converge to the new
// truth within a bound, as an ordinary `expect converged` check right after the action (so a
// shrunk file carries it and replays it with `npm run experiment`). Only where the bound is
// sound in sim: detection (at once for a cut or a crash; timeout + interval for a silent cut),
// plus every latency toxic in force (a message crosses each link at most once), plus a margin.
// No check while a link is held (nothing crosses it), nor after an action that restores
// something (re-dials back off; the final `consistent` check judges those).
import { livenessOf } from '../coordinator/liveness-defaults.ts';
import type { Topology } from '../topology/schema.ts';
import { type EntryDoc, isAction } from './doc.ts';

/** Room for the propagation itself and the servers' own ticks (ms); sim delivers in-memory frames at once. */
export const TIMED_MARGIN_MS = 200;

/**
 * How long after any earlier action a break must come (ms): a restored link or server re-joins
 * with backoff (clients' up to 1 s, sim/client.ts), and the truth moves until it has.
 */
export const PRE_QUIET_MS = 1500;

/** A timed check explore adds: a `converged` check right after an action (the final check is `consistent`). */
export const isTimedCheck = (e: EntryDoc): boolean => e.expect === 'converged' && e.at === undefined;

/** `timeline` (actions in time order, any checks) without timed checks, then with them where sound. */
export function withTimedChecks(timeline: readonly EntryDoc[], topology: Topology): EntryDoc[] {
  const live = livenessOf({ topology });
  const silentDetection = live.intervalMs > 0 ? live.timeoutMs + live.intervalMs : undefined;
  const kept = timeline.filter((e) => !isTimedCheck(e));
  const actions = kept.filter(isAction);
  const latency = new Map<string, number>();
  let held = 0;
  // Silent faults in force: until detected, and across re-dials over a half-open link, the truth flickers.
  const silent = new Set<string>();
  const out: EntryDoc[] = [];
  let a = 0;
  for (const e of kept) {
    out.push(e);
    if (!isAction(e)) continue;
    const prev = actions[a - 1];
    const next = actions[++a];
    const silentBefore = silent.size;
    if (e.do === 'latency') latency.set(`${e.link} ${e.name}`, Number(e.ms) + Number(e.jitter ?? 0));
    else if (e.do === 'remove') latency.delete(`${e.link} ${e.name}`);
    else if (e.do === 'hold') held++;
    else if (e.do === 'release') held = Math.max(0, held - 1);
    else if (e.do === 'partition' && e.mode === 'silent') silent.add('partition');
    else if (e.do === 'heal') silent.delete('partition');
    else if (e.do === 'down' && e.mode === 'silent') silent.add(String(e.link));
    else if (e.do === 'up') silent.delete(String(e.link));
    const breaks = e.do === 'crash' || e.do === 'quit' || e.do === 'disconnect' || e.do === 'partition' || (e.do === 'down' && e.direction === undefined) || (e.do === 'down' && e.mode === 'silent');
    if (!breaks || held > 0 || silentBefore > 0) continue;
    if (prev && e.at! - prev.at! < Math.max(PRE_QUIET_MS, (silentDetection ?? 0) + TIMED_MARGIN_MS)) continue;
    const detection = e.mode === 'silent' ? silentDetection : 0;
    if (detection === undefined) continue;
    const within = detection + [...latency.values()].reduce((s, ms) => s + ms, 0) + TIMED_MARGIN_MS;
    // Quiet: the truth does not move again before the bound is up.
    if (next && next.at! - e.at! <= within) continue;
    out.push({ expect: 'converged', within });
  }
  return out;
}
