// The toxics of one link proxy: the list (each validated where it entered the program), in
// the order they were added (the order they are chained in), and the open connections they
// apply to. A new connection draws, once per toxic, whether it applies (its toxicity); adding,
// removing or replacing a toxic reaches every open connection it applies to at once.
import { toxicDefinition } from './registry.ts';
import { type Direction, type ToxicDefinition, type ToxicInfo, ToxicSpecError, directionsOf, seededStream } from './toxic.ts';

/** A validated toxic and its type. */
export interface ToxicEntry {
  readonly info: ToxicInfo;
  readonly def: ToxicDefinition;
}

/** One direction's chain of toxic stages, as the collection changes it. */
export interface ToxicChain {
  addStage(entry: ToxicEntry): void;
  removeStage(name: string): void;
  replaceStage(entry: ToxicEntry): void;
}

/** An open connection the toxics apply to. */
export interface ToxicTarget {
  /** Connection number within the proxy (seeds the toxicity draw). */
  readonly id: number;
  pipe(direction: Direction): ToxicChain;
}

export class ToxicCollection {
  private readonly entries: ToxicEntry[] = [];
  private readonly targets = new Set<ToxicTarget>();

  /** `proxy` names the proxy in errors and, with `seed`, seeds the toxicity draws. */
  constructor(private readonly proxy: string, private readonly seed: number) {}

  /** Add a toxic (validated where it entered the program) to every open and future connection it applies to. */
  add(info: ToxicInfo): ToxicInfo {
    const def = toxicDefinition(info);
    if (this.entries.some((e) => e.info.name === info.name)) {
      throw new ToxicSpecError(`proxy ${this.proxy} already has a toxic named "${info.name}" (give it a name)`, [
        { path: ['name'], message: 'duplicate toxic name' },
      ]);
    }
    const entry: ToxicEntry = { info: structuredClone(info), def };
    this.entries.push(entry);
    for (const t of this.targets) this.attachEntry(t, entry);
    return entry.info;
  }

  /** Remove a toxic; what it holds on open connections is passed on at once, in order. */
  remove(name: string): void {
    const i = this.indexOf(name);
    this.entries.splice(i, 1);
    for (const t of this.targets) {
      t.pipe('upstream').removeStage(name);
      t.pipe('downstream').removeStage(name);
    }
  }

  /**
   * Replace a toxic's attributes with `info`'s (the toxic of that name, validated, e.g. by
   * updatedToxic); on open connections the old instance passes on what it holds, in order, and
   * a new one takes over. Its type, direction and toxicity must stay: remove and add to change those.
   */
  replace(info: ToxicInfo): ToxicInfo {
    const i = this.indexOf(info.name);
    const { info: old, def } = this.entries[i]!;
    toxicDefinition(info);
    if (info.type !== old.type || info.direction !== old.direction || info.toxicity !== old.toxicity) {
      throw new ToxicSpecError(`proxy ${this.proxy}, toxic "${info.name}": only its attributes can be replaced (remove the toxic and add it again)`);
    }
    const entry: ToxicEntry = { info: structuredClone(info), def };
    this.entries[i] = entry;
    for (const t of this.targets) {
      t.pipe('upstream').replaceStage(entry);
      t.pipe('downstream').replaceStage(entry);
    }
    return entry.info;
  }

  /** The toxic named `name` (the collection's own object: do not change it). */
  get(name: string): ToxicInfo {
    return this.entries[this.indexOf(name)]!.info;
  }

  list(): ToxicInfo[] {
    return this.entries.map((e) => structuredClone(e.info));
  }

  /** A connection opened: chain the toxics that apply to it, and keep it for later changes. */
  attach(target: ToxicTarget): void {
    this.targets.add(target);
    for (const e of this.entries) this.attachEntry(target, e);
  }

  /** A connection is closing: later changes pass it by. */
  detach(target: ToxicTarget): void {
    this.targets.delete(target);
  }

  private attachEntry(target: ToxicTarget, e: ToxicEntry): void {
    if (!this.applies(target, e)) return;
    for (const d of directionsOf(e.info.direction)) target.pipe(d).addStage(e);
  }

  /** Does a toxic apply to this connection? One seeded draw per connection and toxic. */
  private applies(target: ToxicTarget, e: ToxicEntry): boolean {
    const p = e.info.toxicity;
    if (p >= 1) return true;
    if (p <= 0) return false;
    return seededStream(this.seed, this.proxy, target.id, e.info.name, 'toxicity')() < p;
  }

  private indexOf(name: string): number {
    const i = this.entries.findIndex((e) => e.info.name === name);
    if (i < 0) throw new Error(`proxy ${this.proxy} has no toxic named "${name}" (has: ${this.entries.map((e) => e.info.name).join(', ') || 'none'})`);
    return i;
  }
}
