// The toxics of one link proxy: the validated list, in the order they were added (the order
// they are chained in), and the open connections they apply to. A new connection draws, once
// per toxic, whether it applies (its toxicity); adding, removing or updating a toxic reaches
// every open connection it applies to at once.
import { parseToxicSpec, registry } from './registry.ts';
import { type Direction, type ToxicDefinition, type ToxicInfo, type ToxicSpec, ToxicSpecError, directionsOf, seededStream } from './toxic.ts';

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

/** Fields of a spec that name or place a toxic rather than configure it. */
const FIXED_FIELDS = ['type', 'name', 'direction', 'toxicity'] as const;

export class ToxicCollection {
  private readonly entries: ToxicEntry[] = [];
  private readonly targets = new Set<ToxicTarget>();

  /** `proxy` names the proxy in errors and, with `seed`, seeds the toxicity draws. */
  constructor(private readonly proxy: string, private readonly seed: number) {}

  /** Validate a spec and add it to every open and future connection it applies to. */
  add(spec: ToxicSpec): ToxicInfo {
    const info = parseToxicSpec(spec);
    if (this.entries.some((e) => e.info.name === info.name)) {
      throw new ToxicSpecError(`proxy ${this.proxy} already has a toxic named "${info.name}" (give it a name)`, [
        { path: ['name'], message: 'duplicate toxic name' },
      ]);
    }
    const entry: ToxicEntry = { info, def: registry.get(info.type)! };
    this.entries.push(entry);
    for (const t of this.targets) this.attachEntry(t, entry);
    return info;
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
   * Change some of a toxic's own attributes (validated as in add, the rest kept); on open
   * connections the old instance passes on what it holds, in order, and a new one takes over.
   * Its name, direction and toxicity stay: remove it and add it again to change those.
   */
  update(name: string, attributes: Record<string, unknown>): ToxicInfo {
    const i = this.indexOf(name);
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      throw new ToxicSpecError(`toxic attributes must be an object like { ms: 50 }, got ${JSON.stringify(attributes)}`);
    }
    const fixed = FIXED_FIELDS.filter((k) => k in attributes);
    if (fixed.length > 0) {
      throw new ToxicSpecError(
        `proxy ${this.proxy}, toxic "${name}": ${fixed.join(', ')} cannot be updated (remove the toxic and add it again)`,
        fixed.map((k) => ({ path: [k], message: 'cannot be updated' })),
      );
    }
    const { info: old, def } = this.entries[i]!;
    const info = parseToxicSpec({
      type: old.type, name: old.name, direction: old.direction, toxicity: old.toxicity, ...old.attributes, ...attributes,
    });
    const entry: ToxicEntry = { info, def };
    this.entries[i] = entry;
    for (const t of this.targets) {
      t.pipe('upstream').replaceStage(entry);
      t.pipe('downstream').replaceStage(entry);
    }
    return info;
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
