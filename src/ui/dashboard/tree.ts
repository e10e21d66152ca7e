// The server tree as rows to draw: depth-first from the root, each server followed by its
// clients and then the servers that joined it, with the box-drawing prefix each row needs.
// Which of those rows (and which links between them) the arrow keys step through.
import { type Observed, observedOf } from '../../topology/impl-spec.ts';
import type { Topology } from '../../topology/schema.ts';

export interface TreeRow {
  kind: 'server' | 'client';
  id: number;
  name: string;
  /** "│  ├─ " and the like: the ancestors' continuation lines and this row's branch */
  prefix: string;
  /** the server this host dialled (a server's bootstrap, a client's server); none for the root */
  parent?: number;
  /** a foreign server, and how it is observed (absent: ours) */
  foreign?: Exclude<Observed, 'ours'>;
}

/** What the arrow keys can select: a host, or the link from a server (or proxied client) to its parent. */
export type Item =
  | { kind: 'server'; id: number }
  | { kind: 'client'; id: number }
  | { kind: 'link'; child: number; parent: number };

export function treeRows(t: Topology): TreeRow[] {
  const children = new Map<number, TreeRow[]>();
  const add = (parent: number, row: TreeRow) => {
    const list = children.get(parent) ?? [];
    list.push(row);
    children.set(parent, list);
  };
  for (const c of t.clients) add(c.server, { kind: 'client', id: c.id, name: c.name, prefix: '', parent: c.server });
  const foreign = (s: Topology['servers'][number]) => (s.impl ? { foreign: observedOf(s.impl) as Exclude<Observed, 'ours'> } : {});
  for (const s of t.servers) if (s.join !== undefined) add(s.join, { kind: 'server', id: s.id, name: s.name, prefix: '', parent: s.join, ...foreign(s) });
  // Clients first, then child servers, so a server's own clients sit right under it.
  for (const list of children.values()) list.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'client' ? -1 : 1));

  const rows: TreeRow[] = [];
  const root = t.servers[0]!;
  // Iterative depth-first walk: deep trees (chain:1000) must not overflow the stack.
  const stack: Array<{ row: TreeRow; indent: string }> = [{ row: { kind: 'server', id: root.id, name: root.name, prefix: '', ...foreign(root) }, indent: '' }];
  while (stack.length) {
    const { row, indent } = stack.pop()!;
    rows.push(row);
    if (row.kind !== 'server') continue;
    const kids = children.get(row.id) ?? [];
    const next: typeof stack = kids.map((k, i) => {
      const last = i === kids.length - 1;
      return { row: { ...k, prefix: indent + (last ? '└─ ' : '├─ ') }, indent: indent + (last ? '   ' : '│  ') };
    });
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
  return rows;
}

/** Selectable items in row order: a row's uplink (when it is a known link) just before its host. */
export function selectableItems(rows: readonly TreeRow[], isLink: (child: number, parent: number) => boolean): Item[] {
  const items: Item[] = [];
  for (const r of rows) {
    if (r.parent !== undefined && isLink(r.id, r.parent)) items.push({ kind: 'link', child: r.id, parent: r.parent });
    items.push({ kind: r.kind, id: r.id });
  }
  return items;
}
