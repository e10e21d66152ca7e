// Kubernetes names for crc-sim things. Server names may hold "_" or capitals ("grey_havens"),
// which no Service may; a DNS-1035 label is derived once here, deterministically, and made
// unique, so every other file uses the same name for the same server.
import type { Topology } from '../topology/schema.ts';

/** RFC 1035 label: what a Service name must be (and fine for pods and labels too). */
export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL = 63;

/** `text` as a DNS-1035 label, or undefined when nothing usable is left. */
function toLabel(text: string, max = MAX_LABEL): string | undefined {
  let s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  if (s === '') return undefined;
  if (!/^[a-z]/.test(s)) s = `s${s}`;
  return s.slice(0, max).replace(/-+$/, '');
}

/** A name for each server (by id): its own name as a label, suffixed with its id where two would collide. */
export function serverLabels(t: Topology): Map<number, string> {
  const out = new Map<number, string>();
  const used = new Set<string>();
  for (const s of t.servers) {
    const suffix = `-${s.id}`;
    let name = toLabel(s.name) ?? `s${s.id}`;
    if (used.has(name)) name = `${toLabel(s.name, MAX_LABEL - suffix.length) ?? 's'}${suffix}`;
    for (let n = 2; used.has(name); n++) name = `s${s.id}-${n}`;
    out.set(s.id, name);
    used.add(name);
  }
  return out;
}

/**
 * A resource name from a prefix (an experiment's name) and a suffix that tells siblings apart
 * (a fault's kind and index): a long prefix is cut, never the suffix, so names stay unique.
 */
export function resourceName(prefix: string, suffix = ''): string {
  const tail = suffix === '' ? '' : toLabel(suffix);
  const head = toLabel(prefix, MAX_LABEL - (tail ? tail.length + 1 : 0));
  const name = head && tail ? `${head}-${tail}` : head ?? tail;
  if (!name || name.length > MAX_LABEL || !DNS_LABEL.test(name)) throw new Error(`no Kubernetes name can be made from ${JSON.stringify([prefix, suffix])}`);
  return name;
}

/** A server's container name: its id first, so names in one pod differ and none is "proxy". */
export const containerName = (id: number, label: string): string => toLabel(`s${id}-${label}`)!;
