// Is the network right? Given who is alive, the server links that are up and what every node
// reports it knows, compare each node with what it should know for its connected part of the
// live tree: a server knows exactly the hosts of its part, each with the next hop along the
// tree path; its adjacency matches the live links; a client knows exactly the other clients of
// its part; and no route or adjacency goes round in a cycle. Pure: the runner reads the nodes'
// states and hands them in, so this is tested without threads.

/** The network as it should be now. */
export interface LiveNetwork {
  servers: readonly number[];
  /** each live client and the server it is attached to */
  clients: ReadonlyArray<{ id: number; server: number }>;
  /** the server links that are up: both ends alive and nothing stopping bytes on it */
  links: ReadonlyArray<readonly [number, number]>;
}

/** What a server reports (ServerState has this shape). */
export interface ServerView {
  hosts: ReadonlyArray<{ id: number; firstLinkId: number }>;
  adjacentServerIds: readonly number[];
  adjacentUserIds: readonly number[];
}

/** What a client reports (ClientState has this shape). */
export interface ClientView {
  connected?: boolean;
  connectedUserIds: readonly number[];
}

export interface Observed {
  servers: ReadonlyMap<number, ServerView>;
  clients: ReadonlyMap<number, ClientView>;
  /** nodes whose state could not be read, with why */
  unreadable?: ReadonlyMap<number, string>;
}

export interface HostDiff {
  id: number;
  name: string;
  kind: 'server' | 'client';
  problems: string[];
}

export interface Consistency {
  consistent: boolean;
  /** the connected parts of the live tree, as server ids */
  parts: number[][];
  /** one entry per host that is not as it should be */
  diff: HostDiff[];
}

const show = (xs: readonly number[]) => `[${xs.slice(0, 10).join(', ')}${xs.length > 10 ? `, … (${xs.length})` : ''}]`;

/** Neighbours of each live server over the live links. */
export function adjacency(net: LiveNetwork): Map<number, number[]> {
  const adj = new Map<number, number[]>(net.servers.map((s) => [s, []]));
  for (const [a, b] of net.links) {
    if (!adj.has(a) || !adj.has(b)) continue;
    adj.get(a)!.push(b);
    adj.get(b)!.push(a);
  }
  return adj;
}

/**
 * From `from`, over the live links: for every server it reaches, the neighbour of `from` on the
 * path to it (itself for `from`). The links form a forest, so the path is the tree path.
 */
export function firstHops(adj: ReadonlyMap<number, readonly number[]>, from: number): Map<number, number> {
  const hop = new Map<number, number>([[from, from]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const n of adj.get(at) ?? []) {
      if (hop.has(n)) continue;
      hop.set(n, at === from ? n : hop.get(at)!);
      queue.push(n);
    }
  }
  return hop;
}

/** The connected parts of the live tree (server ids, each part sorted, parts by their smallest id). */
export function partsOf(net: LiveNetwork): number[][] {
  const adj = adjacency(net);
  const seen = new Set<number>();
  const parts: number[][] = [];
  for (const s of [...net.servers].sort((a, b) => a - b)) {
    if (seen.has(s)) continue;
    const part = [...firstHops(adj, s).keys()].sort((a, b) => a - b);
    for (const x of part) seen.add(x);
    parts.push(part);
  }
  return parts;
}

function setDiff(expected: ReadonlySet<number>, actual: Iterable<number>): { missing: number[]; extra: number[] } {
  const have = new Set(actual);
  return {
    missing: [...expected].filter((x) => !have.has(x)).sort((a, b) => a - b),
    extra: [...have].filter((x) => !expected.has(x)).sort((a, b) => a - b),
  };
}

export function checkConsistency(net: LiveNetwork, seen: Observed, nameOf: (id: number) => string = String): Consistency {
  const adj = adjacency(net);
  const parts = partsOf(net);
  const partOf = new Map<number, number>();
  parts.forEach((p, i) => p.forEach((s) => partOf.set(s, i)));
  const clientsOn = new Map<number, number[]>(net.servers.map((s) => [s, []]));
  for (const c of net.clients) clientsOn.get(c.server)?.push(c.id);
  const clientsOfPart = parts.map((p) => p.flatMap((s) => clientsOn.get(s) ?? []));

  const problems = new Map<number, string[]>();
  const flag = (id: number, problem: string) => {
    const list = problems.get(id) ?? [];
    list.push(problem);
    problems.set(id, list);
  };
  for (const [id, why] of seen.unreadable ?? []) flag(id, `state could not be read: ${why}`);

  /** Servers with at least one wrong next hop toward host h: where a routing loop may start. */
  const wrongHopsToward = new Map<number, number[]>();
  for (const s of net.servers) {
    const view = seen.servers.get(s);
    if (!view) continue;
    const hops = firstHops(adj, s);
    const expected = new Map<number, number>();
    for (const [server, hop] of hops) if (server !== s) expected.set(server, hop);
    for (const server of hops.keys()) for (const c of clientsOn.get(server) ?? []) expected.set(c, server === s ? c : hops.get(server)!);

    const { missing, extra } = setDiff(new Set(expected.keys()), view.hosts.map((h) => h.id));
    if (missing.length) flag(s, `missing hosts ${show(missing)}`);
    if (extra.length) flag(s, `extra hosts ${show(extra)}`);
    for (const h of view.hosts) {
      const should = expected.get(h.id);
      if (should === undefined || should === h.firstLinkId) continue;
      flag(s, `next hop to ${h.id} is ${h.firstLinkId}, should be ${should}`);
      const list = wrongHopsToward.get(h.id) ?? [];
      list.push(s);
      wrongHopsToward.set(h.id, list);
    }
    const servers = setDiff(new Set(adj.get(s)), view.adjacentServerIds);
    if (servers.missing.length || servers.extra.length) flag(s, `adjacent servers${servers.missing.length ? ` missing ${show(servers.missing)}` : ''}${servers.extra.length ? ` extra ${show(servers.extra)}` : ''}`);
    const users = setDiff(new Set(clientsOn.get(s)), view.adjacentUserIds);
    if (users.missing.length || users.extra.length) flag(s, `adjacent users${users.missing.length ? ` missing ${show(users.missing)}` : ''}${users.extra.length ? ` extra ${show(users.extra)}` : ''}`);
  }

  for (const [id, message] of routingLoops(seen.servers, wrongHopsToward)) flag(id, message);
  for (const [id, message] of adjacencyCycles(seen.servers)) flag(id, message);

  for (const c of net.clients) {
    const view = seen.clients.get(c.id);
    if (!view) continue;
    if (view.connected === false) flag(c.id, 'not connected');
    const part = partOf.get(c.server);
    const expected = new Set(part === undefined ? [] : clientsOfPart[part]!.filter((x) => x !== c.id));
    const { missing, extra } = setDiff(expected, view.connectedUserIds);
    if (missing.length) flag(c.id, `missing clients ${show(missing)}`);
    if (extra.length) flag(c.id, `extra clients ${show(extra)}`);
  }

  const isServer = new Set(net.servers);
  const diff = [...problems].map(([id, list]) => ({ id, name: nameOf(id), kind: isServer.has(id) ? 'server' as const : 'client' as const, problems: list }));
  diff.sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'server' ? -1 : 1));
  return { consistent: diff.length === 0, parts, diff };
}

/**
 * Follow the reported next hops toward each host from every server that has a wrong one (a
 * loop needs one): a walk that comes back to a server it passed is a routing loop.
 */
function routingLoops(views: ReadonlyMap<number, ServerView>, startsToward: ReadonlyMap<number, number[]>): Array<[number, string]> {
  const tables = new Map<number, Map<number, number>>();
  const table = (s: number) => {
    let t = tables.get(s);
    if (!t) tables.set(s, (t = new Map(views.get(s)!.hosts.map((h) => [h.id, h.firstLinkId]))));
    return t;
  };
  const out: Array<[number, string]> = [];
  const reported = new Set<string>();
  for (const [target, starts] of startsToward) {
    for (const start of starts) {
      const path = [start];
      for (let at = start; ;) {
        const next = table(at).get(target);
        if (next === undefined || next === target || !views.has(next)) break;
        const back = path.indexOf(next);
        if (back >= 0) {
          const loop = path.slice(back);
          const key = `${target}:${[...loop].sort((a, b) => a - b).join(',')}`;
          if (!reported.has(key)) {
            reported.add(key);
            out.push([Math.min(...loop), `routing loop toward ${target}: ${[...loop, next].join(' → ')}`]);
          }
          break;
        }
        path.push(next);
        at = next;
      }
    }
  }
  return out;
}

/** Adjacencies the servers report (either end saying so is enough) that close a cycle. */
function adjacencyCycles(views: ReadonlyMap<number, ServerView>): Array<[number, string]> {
  const tree = new Map<number, number[]>();
  const link = (a: number, b: number) => {
    tree.set(a, [...(tree.get(a) ?? []), b]);
    tree.set(b, [...(tree.get(b) ?? []), a]);
  };
  const seenEdge = new Set<string>();
  const out: Array<[number, string]> = [];
  for (const [s, view] of [...views].sort((x, y) => x[0] - y[0])) {
    for (const n of view.adjacentServerIds) {
      const key = s < n ? `${s}-${n}` : `${n}-${s}`;
      if (seenEdge.has(key)) continue;
      seenEdge.add(key);
      const path = pathBetween(tree, n, s);
      if (path) out.push([s, `adjacency cycle: ${[s, ...path].join(' → ')}`]);
      else link(s, n);
    }
  }
  return out;
}

/** The path from a to b over a forest's edges, or undefined when they are not connected. */
function pathBetween(tree: ReadonlyMap<number, number[]>, a: number, b: number): number[] | undefined {
  const prev = new Map<number, number>([[a, a]]);
  const queue = [a];
  for (let i = 0; i < queue.length && !prev.has(b); i++) {
    for (const n of tree.get(queue[i]!) ?? []) {
      if (!prev.has(n)) {
        prev.set(n, queue[i]!);
        queue.push(n);
      }
    }
  }
  if (!prev.has(b)) return undefined;
  const path = [b];
  while (path[path.length - 1] !== a) path.push(prev.get(path[path.length - 1]!)!);
  return path.reverse();
}
