// Putting foreign servers into a topology from the command line (--impl, --impl-ids): the
// same impl on every chosen server, checked as the topology file's "impl" field is.
import type { ImplSpec } from './impl-spec.ts';
import { type Topology, parseTopology } from './schema.ts';

/** `topology` with `impl` on the servers `ids` (all servers when absent); an id that is no server is an error naming the flag. */
export function withImpl(topology: Topology, impl: ImplSpec, ids?: readonly number[], flag = '--impl-ids'): Topology {
  const servers = new Set(topology.servers.map((s) => s.id));
  const missing = (ids ?? []).filter((id) => !servers.has(id));
  if (missing.length) throw new Error(`${flag}: no server with id ${missing.join(', ')} in topology ${topology.name} (servers: ${[...servers].join(',')})`);
  const chosen = ids ? new Set(ids) : servers;
  const changed = { ...topology, servers: topology.servers.map((s) => (chosen.has(s.id) ? { ...s, impl } : s)) };
  return parseTopology(changed, `${topology.name} with --impl`);
}
