// What every server of one thread shares about the hosts they know: one dense slot per host id
// and one interned descriptor (kind, name, info) per distinct registration. Each server knows
// every host, so the tables are N² in total; with the names and infos here once per thread,
// a server's record is a few numbers in typed arrays (host-table.ts). Reference counted: a
// slot or descriptor no table holds any more is freed and reused, so churn does not grow it.
import type { HostKind } from './effects.ts';

/** A host as registered: shared by every record of every table of this thread that names it. */
export interface HostDescriptor {
  readonly id: number;
  readonly kind: HostKind;
  readonly name: string;
  readonly info: string;
  /** the id's slot in its directory */
  readonly slot: number;
  /** records (in any table of this directory) holding this descriptor */
  refs: number;
}

export class HostDirectory {
  private readonly slots = new Map<number, number>();
  /** Per slot: its id's descriptors (one, unless servers were told different names for it). */
  private descs: Array<HostDescriptor[] | undefined> = [];
  private readonly freeSlots: number[] = [];
  /** descriptors alive, for the counters */
  private descriptors = 0;

  /** How many slots exist (a table's slot index is sized to this). */
  get capacity(): number {
    return this.descs.length;
  }
  /** Distinct hosts and distinct descriptors held by some table now. */
  get stats(): { hosts: number; descriptors: number } {
    return { hosts: this.slots.size, descriptors: this.descriptors };
  }

  /** The slot of `id` if some table of this directory holds it. */
  slotOf(id: number): number | undefined {
    return this.slots.get(id);
  }

  /** Take a reference to the descriptor of this registration, interning it on first use. */
  acquire(id: number, kind: HostKind, name: string, info: string): HostDescriptor {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.descs.length;
      this.slots.set(id, slot);
      this.descs[slot] = [];
    }
    const list = this.descs[slot]!;
    for (const d of list) {
      if (d.kind === kind && d.name === name && d.info === info) {
        d.refs++;
        return d;
      }
    }
    const d: HostDescriptor = { id, kind, name, info, slot, refs: 1 };
    list.push(d);
    this.descriptors++;
    return d;
  }

  /** Drop a reference; the descriptor, and the slot with its last one, are freed. */
  release(d: HostDescriptor): void {
    if (--d.refs > 0) return;
    const list = this.descs[d.slot]!;
    list.splice(list.indexOf(d), 1);
    this.descriptors--;
    if (list.length > 0) return;
    this.descs[d.slot] = undefined;
    this.slots.delete(d.id);
    this.freeSlots.push(d.slot);
  }
}

/**
 * The directory every ServerCore of this thread uses unless given one: module state is per
 * thread, so a worker's servers share it and nothing is shared across threads.
 */
export const threadDirectory = new HostDirectory();
