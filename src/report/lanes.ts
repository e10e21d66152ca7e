// The servers an experiment ran, in the order the pictures lay them out: depth first through
// the server links seen (from the lowest id), so most frames cross to a neighbouring lane.
import type { EventRecord } from '../experiment/summary.ts';

export interface Lane {
  id: number;
  name: string;
}

export function serverLanes(events: readonly EventRecord[]): Lane[] {
  const names = new Map<number, string>();
  const links = new Map<number, Set<number>>();
  const link = (a: number, b: number) => {
    if (!links.has(a)) links.set(a, new Set());
    links.get(a)!.add(b);
  };
  const isServer = (id: number) => {
    if (!names.has(id)) names.set(id, `s${id}`);
  };
  // Names learned first-hand win over the placeholder.
  for (const e of events) {
    if (e.type === 'host-learned' && e.kind === 'server') names.set(e.id, e.name);
  }
  for (const e of events) {
    if (!('node' in e)) continue;
    // Only servers report link-up and frames; clients report neither.
    if (e.type === 'link-up' || e.type === 'frame-sent' || e.type === 'frame-received') isServer(e.node);
    if (e.type === 'link-up' && e.kind === 'server') {
      isServer(e.peerId);
      link(e.node, e.peerId);
      link(e.peerId, e.node);
    }
  }
  const order: number[] = [];
  const seen = new Set<number>();
  const visit = (id: number) => {
    seen.add(id);
    order.push(id);
    for (const next of [...(links.get(id) ?? [])].sort((a, b) => a - b)) if (!seen.has(next)) visit(next);
  };
  for (const id of [...names.keys()].sort((a, b) => a - b)) if (!seen.has(id)) visit(id);
  return order.map((id) => ({ id, name: names.get(id)! }));
}

/** Who is attached to which server: from the servers' link-ups with their clients. */
export function clientServers(events: readonly EventRecord[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of events) if (e.type === 'link-up' && 'node' in e && e.kind === 'client') out.set(e.peerId, e.node);
  return out;
}
