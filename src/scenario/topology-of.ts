// The adjacency a list of steps should produce: who joined whom, which clients attached,
// minus hosts refused for a duplicate id and clients that quit. Used to check course files,
// whose own adjacency lists are unreliable.
import { type Step, isClientStep, isServerStep } from './model.ts';

export interface LaunchedAdjacency {
  servers: Map<string, number[]>;
  users: Map<string, number[]>;
}

export function launchedAdjacency(steps: Step[]): LaunchedAdjacency {
  const live = new Set<number>();
  const idOf = new Map<string, number>();
  const accepted = new Set<string>();
  const servers = new Map<string, Set<number>>();
  const users = new Map<string, Set<number>>();
  const clientServer = new Map<string, string>();
  for (const s of steps) {
    if (isServerStep(s)) {
      servers.set(s.server, new Set());
      users.set(s.server, new Set());
      idOf.set(s.server, s.id);
      // The first server starts the tree; a later one is refused if its id is taken.
      if (live.has(s.id)) continue;
      if (s.join !== undefined && !accepted.has(s.join)) continue;
      live.add(s.id);
      accepted.add(s.server);
      if (s.join !== undefined) {
        servers.get(s.server)!.add(idOf.get(s.join)!);
        servers.get(s.join)!.add(s.id);
      }
    } else if (isClientStep(s)) {
      idOf.set(s.client, s.id);
      if (live.has(s.id) || !accepted.has(s.server)) continue;
      live.add(s.id);
      accepted.add(s.client);
      clientServer.set(s.client, s.server);
      users.get(s.server)!.add(s.id);
    } else if ('quit' in s) {
      const server = clientServer.get(s.quit);
      if (server === undefined) continue;
      clientServer.delete(s.quit);
      users.get(server)!.delete(idOf.get(s.quit)!);
      live.delete(idOf.get(s.quit)!);
    }
  }
  const sorted = (m: Map<string, Set<number>>) => new Map([...m].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
  return { servers: sorted(servers), users: sorted(users) };
}
