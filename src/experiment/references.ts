// What an experiment names, checked against its topology: every link, server, client and id
// exists, and every link it puts a fault on goes through a proxy. Each issue's path points at
// the field that names the missing thing.
import type { Topology } from '../topology/schema.ts';
import type { Issue } from '../util/zod-issues.ts';
import { type ExperimentDoc, isCheck, linkEnds } from './schema.ts';

export function referenceIssues(exp: ExperimentDoc, t: Topology): Issue[] {
  const issues: Issue[] = [];
  const add = (path: PropertyKey[], message: string) => issues.push({ path, message });
  const servers = new Map(t.servers.map((s) => [s.id, s]));
  const clients = new Map(t.clients.map((c) => [c.id, c]));
  const proxiedClient = (id: number) => exp.proxyClients === 'all' || exp.proxyClients.includes(id);
  const serverLink = (a: number, b: number) => servers.get(a)?.join === b || servers.get(b)?.join === a;
  const listedLinks = exp.proxyLinks === 'all' ? undefined : exp.proxyLinks.map(linkEnds);
  const proxiedServerLink = (a: number, b: number) => !listedLinks || listedLinks.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const clientOn = (a: number, b: number) => {
    const c = clients.get(a) ?? clients.get(b);
    return c && (c.server === a || c.server === b) ? c : undefined;
  };

  /** A link a fault is put on: it must exist and go through a proxy. */
  const faultLink = (path: PropertyKey[], link: string) => {
    const [a, b] = linkEnds(link);
    const client = clientOn(a, b);
    if (client) {
      if (!proxiedClient(client.id)) add(path, `client ${client.id}'s link is direct; list it in proxyClients`);
    } else if (!serverLink(a, b)) {
      add(path, `no link between ${a} and ${b} in ${t.name}`);
    } else if (!proxiedServerLink(a, b)) {
      add(path, `the link ${link} is direct; list it in proxyLinks`);
    }
  };
  const server = (path: PropertyKey[], id: number) => {
    if (!servers.has(id)) add(path, `no server ${id} in ${t.name}`);
  };
  const client = (path: PropertyKey[], id: number) => {
    if (!clients.has(id)) add(path, `no client ${id} in ${t.name}`);
  };

  if (listedLinks) {
    listedLinks.forEach(([a, b], i) => {
      if (serverLink(a, b)) return;
      add(['proxyLinks', i], clientOn(a, b) ? `${a}-${b} is a client's link; list the client in proxyClients` : `no link between ${a} and ${b} in ${t.name}`);
    });
  }
  if (exp.proxyClients !== 'all') exp.proxyClients.forEach((id, i) => client(['proxyClients', i], id));
  exp.traffic.forEach((f, i) => {
    client(['traffic', i, 'from'], f.from);
    client(['traffic', i, 'to'], f.to);
  });
  exp.timeline.forEach((e, i) => {
    const at = (...p: PropertyKey[]) => ['timeline', i, ...p];
    if (isCheck(e)) {
      if ('id' in e && !servers.has(e.id) && !clients.has(e.id)) add(at('id'), `no server or client ${e.id} in ${t.name}`);
      if ('by' in e && e.by) e.by.forEach((id, k) => server(at('by', k), id));
      return;
    }
    if ('link' in e) faultLink(at('link'), e.link);
    if ('server' in e) server(at('server'), e.server);
    if ('client' in e) client(at('client'), e.client);
    if (e.do === 'partition') partitionIssues(e.groups, at('groups'));
  });

  /** Groups of existing servers, none in two groups, and every link between groups proxied (a partition cuts it). */
  function partitionIssues(groups: number[][], path: PropertyKey[]) {
    const groupOf = new Map<number, number>();
    groups.forEach((g, gi) => g.forEach((id, k) => {
      if (!servers.has(id)) add([...path, gi, k], `no server ${id} in ${t.name}`);
      else if (groupOf.has(id)) add([...path, gi, k], `server ${id} is already in group ${groupOf.get(id)}`);
      else groupOf.set(id, gi);
    }));
    for (const s of t.servers) {
      if (s.join === undefined || (groupOf.get(s.id) ?? -1) === (groupOf.get(s.join) ?? -1)) continue;
      if (!proxiedServerLink(s.id, s.join)) add(path, `cuts the direct link ${s.id}-${s.join}; list it in proxyLinks`);
    }
  }
  return issues;
}
