// A schedule's actions as fault units: each fault's start with the action that ends it (a down
// and its up, a partition and its heal, a crash and its restart, a client's quit or disconnect and its join, a hold and its release, a named
// toxic and its remove). The shrinker drops whole units, so a fault is never left open by
// accident; an action with no partner is a unit of its own.
import { type EntryDoc, isAction, linkKey } from './doc.ts';

/** Indices into the timeline: one fault's actions (its start first). */
export type Unit = number[];

const dir = (e: EntryDoc) => String(e.direction ?? 'both');

/** What a starting action opens, as a key its ending action names too; undefined: it ends nothing. */
function opens(e: EntryDoc): string | undefined {
  switch (e.do) {
    case 'down': return `down ${linkKey(String(e.link))} ${dir(e)}`;
    case 'partition': return 'partition';
    case 'crash': return `server ${e.server}`;
    case 'quit':
    case 'disconnect': return `client ${e.client}`;
    case 'hold': return `hold ${linkKey(String(e.link))} ${dir(e)}`;
    case 'latency':
    case 'toxic': {
      const name = e.do === 'latency' ? e.name : (e.toxic as Record<string, unknown> | undefined)?.name;
      return typeof name === 'string' ? `toxic ${linkKey(String(e.link))} ${name}` : undefined;
    }
    default: return undefined;
  }
}

/** The key an ending action closes. */
function closes(e: EntryDoc): string | undefined {
  switch (e.do) {
    case 'up': return `down ${linkKey(String(e.link))} ${dir(e)}`;
    case 'heal': return 'partition';
    case 'restart': return `server ${e.server}`;
    case 'join': return `client ${e.client}`;
    case 'release': return `hold ${linkKey(String(e.link))} ${dir(e)}`;
    case 'remove': return `toxic ${linkKey(String(e.link))} ${e.name}`;
    default: return undefined;
  }
}

/** The timeline's actions grouped into units, in the order their first action appears. */
export function faultUnits(timeline: readonly EntryDoc[]): Unit[] {
  const units: Unit[] = [];
  const open = new Map<string, Unit>();
  timeline.forEach((e, i) => {
    if (!isAction(e)) return;
    const end = closes(e);
    const unit = end === undefined ? undefined : open.get(end);
    if (unit) {
      unit.push(i);
      open.delete(end!);
      return;
    }
    const key = opens(e);
    const fresh: Unit = [i];
    units.push(fresh);
    if (key !== undefined) open.set(key, fresh);
  });
  return units;
}
