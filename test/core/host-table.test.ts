// The compact host table: learning order, lazy readers across a compaction, and the shared
// per-thread directory (one descriptor per distinct registration, freed with its last record).
import { describe, expect, it } from 'vitest';
import { HostDirectory } from '../../src/core/host-directory.ts';
import { HostTable } from '../../src/core/host-table.ts';

const rec = (id: number, hop = 1, name = `h${id}`) => ({ id, kind: 'server' as const, name, info: 'i', firstLinkId: hop });

describe('HostTable', () => {
  it('keeps records in learning order with their next hops', () => {
    const t = new HostTable(new HostDirectory());
    t.add(rec(1, 1), 7);
    for (let id = 2; id <= 50; id++) t.add(rec(id, 1 + (id % 2)));
    expect(t.size).toBe(50);
    expect(t.ids()).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(t.get(4)).toEqual(rec(4, 1));
    expect(t.hopOf(5)).toBe(2);
    expect(t.routeTo(4)).toBe(7);
    expect(t.routeTo(3)).toBeUndefined(); // its hop, 2, has no connection
    expect(t.behind(2).map((h) => h.id)).toEqual(Array.from({ length: 24 }, (_, i) => 2 * i + 3));
    expect(t.forget(1)).toEqual(rec(1, 1));
    expect(t.has(1)).toBe(false);
    expect(t.linkOf(1)).toBeUndefined();
    expect(t.adjacentServers.size).toBe(0);
  });

  it('a lazy reader keeps its place across a compaction and never sees hosts learned after it began', () => {
    const t = new HostTable(new HostDirectory());
    const n = 5000;
    for (let id = 1; id <= n; id++) t.add(rec(id));
    const reader = t.knownNow();
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) seen.push(reader.next().value!.id);
    // Forget some already read and most of the rest (the arrays are packed, so every
    // position moves), learn new ones, then read on.
    for (let id = 1; id <= 5; id++) t.forget(id);
    for (let id = 11; id <= n; id++) if (id % 5 !== 0) t.forget(id);
    expect(t.positions).toBeLessThan(n); // the arrays were packed
    for (let id = n + 1; id <= n + 100; id++) t.add(rec(id));
    for (const h of reader) seen.push(h.id);
    const expected = [...Array.from({ length: 10 }, (_, i) => i + 1), ...Array.from({ length: n }, (_, i) => i + 1).filter((id) => id > 10 && id % 5 === 0)];
    expect(seen).toEqual(expected);
  });

  it('tables of one directory share a descriptor per registration and free it with the last record', () => {
    const dir = new HostDirectory();
    const a = new HostTable(dir);
    const b = new HostTable(dir);
    a.add(rec(9, 1));
    b.add(rec(9, 2));
    expect(dir.stats).toEqual({ hosts: 1, descriptors: 1 });
    // A different name for the same id is its own descriptor: each table says what it was told.
    const c = new HostTable(dir);
    c.add(rec(9, 3, 'other'));
    expect(dir.stats).toEqual({ hosts: 1, descriptors: 2 });
    expect(c.get(9)!.name).toBe('other');
    expect(a.get(9)!.name).toBe('h9');
    a.forget(9);
    c.forget(9);
    expect(dir.stats).toEqual({ hosts: 1, descriptors: 1 });
    b.forget(9);
    expect(dir.stats).toEqual({ hosts: 0, descriptors: 0 });
    // The freed slot is reused, and a table that knew the old id does not see the new one.
    b.add(rec(10, 1));
    expect(dir.slotOf(10)).toBe(0);
    expect(a.has(10)).toBe(false);
    expect(b.get(10)!.firstLinkId).toBe(1);
  });
});
