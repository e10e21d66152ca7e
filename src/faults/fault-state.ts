// A link proxy's fault state as data: its toxics (in chain order) and, per direction, whether
// it is down (and how) or held. snapshot() reads it off a proxy; restoreFaults() makes a proxy
// match one with the fewest calls (a toxic whose identity is unchanged is updated in place, so
// the bytes it holds are not dropped), so the state can live in one place and be put back.
import { DIRECTIONS, type Direction, type DirectionSpec, type ToxicInfo } from './toxic.ts';

export type DownHow = 'close' | 'reset';
/**
 * 'cut': the connections are closed (FIN, or RST with how = 'reset') and new ones refused, as
 * a hard break; 'silent': the connections stay open and the direction's bytes are dropped, as a
 * partition that closes nothing.
 */
export type DownMode = 'cut' | 'silent';

export interface LinkFaultState {
  toxics: ToxicInfo[];
  down: Partial<Record<Direction, { how: DownHow; mode: DownMode }>>;
  held: Direction[];
}

/** The calls restoreFaults makes (LinkProxy's). */
export interface FaultControls {
  snapshot(): LinkFaultState;
  addToxic(toxic: ToxicInfo): string;
  removeToxic(name: string): void;
  replaceToxic(toxic: ToxicInfo): ToxicInfo;
  down(direction: DirectionSpec, how: DownHow, mode: DownMode): void;
  up(direction: DirectionSpec, mode?: DownMode): void;
  hold(direction: DirectionSpec): void;
  release(direction: DirectionSpec): void;
}

/**
 * One change to a link's faults, as the coordinator asks a placement for it. A toxic in it is
 * validated (a ToxicInfo): the proxy's thread takes it as it is. 'replace' puts a toxic in place
 * of the one of its name (new attributes, merged and validated by the caller: updatedToxic).
 */
export type FaultChange =
  | { op: 'add'; toxic: ToxicInfo }
  | { op: 'remove'; toxic: string }
  | { op: 'replace'; toxic: ToxicInfo }
  | { op: 'down'; direction: DirectionSpec; how: DownHow; mode: DownMode }
  /** with `mode`, only where the link is down that way */
  | { op: 'up'; direction: DirectionSpec; mode?: DownMode }
  | { op: 'hold' | 'release'; direction: DirectionSpec };

/**
 * What a change left: the proxy's snapshot, taken where the proxy runs in the same call (so
 * the coordinator keeps the proxy's own state, never a copy it keeps up by hand), and for an
 * add or replace the toxic as it is now.
 */
export interface FaultReply {
  faults: LinkFaultState;
  toxic?: ToxicInfo;
}

/** Make `change` on `proxy` and read its faults back (placements call this where the proxy runs). */
export function applyChange(proxy: FaultControls, change: FaultChange): FaultReply {
  let toxic: string | undefined;
  switch (change.op) {
    case 'add': toxic = proxy.addToxic(change.toxic); break;
    case 'remove': proxy.removeToxic(change.toxic); break;
    case 'replace': toxic = proxy.replaceToxic(change.toxic).name; break;
    case 'down': proxy.down(change.direction, change.how, change.mode); break;
    case 'up': proxy.up(change.direction, change.mode); break;
    case 'hold': proxy.hold(change.direction); break;
    case 'release': proxy.release(change.direction); break;
  }
  const faults = proxy.snapshot();
  return toxic === undefined ? { faults } : { faults, toxic: faults.toxics.find((t) => t.name === toxic) };
}

/** A fault state with nothing in it (a proxy just made). */
export const noFaultState = (): LinkFaultState => ({ toxics: [], down: {}, held: [] });

const sameIdentity = (a: ToxicInfo, b: ToxicInfo) => a.name === b.name && a.type === b.type && a.direction === b.direction && a.toxicity === b.toxicity;
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Make `proxy`'s faults `want`'s (a snapshot: its toxics were validated when first added). */
export function restoreFaults(proxy: FaultControls, want: LinkFaultState): void {
  const have = proxy.snapshot();
  restoreToxics(proxy, have.toxics, want.toxics);
  for (const d of DIRECTIONS) {
    const h = have.down[d];
    const w = want.down[d];
    if (w && (h?.how !== w.how || h?.mode !== w.mode)) proxy.down(d, w.how, w.mode);
    else if (!w && h) proxy.up(d);
    const held = want.held.includes(d);
    if (held !== have.held.includes(d)) {
      if (held) proxy.hold(d);
      else proxy.release(d);
    }
  }
}

function restoreToxics(proxy: FaultControls, have: ToxicInfo[], want: ToxicInfo[]): void {
  // Kept: same name, type, direction and toxicity. A chain appends, so the kept ones must keep
  // their order and come before every new one; otherwise the chain is rebuilt.
  const kept = have.filter((h) => want.some((w) => sameIdentity(h, w)));
  const order = want.map((w) => w.name);
  const keptAt = kept.map((k) => order.indexOf(k.name));
  const inOrder = keptAt.every((at, i) => at === i);
  const keep = inOrder ? kept : [];
  for (const h of have) if (!keep.includes(h)) proxy.removeToxic(h.name);
  for (const [i, w] of want.entries()) {
    if (i < keep.length) {
      if (!sameJson(keep[i]!.attributes, w.attributes)) proxy.replaceToxic(w);
    } else proxy.addToxic(w);
  }
}
