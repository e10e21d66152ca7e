// One timeline action played on a running network, and the one-line text that names an
// action or a check in logs and summaries. The load command plays experiment timelines with
// the same code (src/load/faults.ts).
import type { Topology } from '../topology/schema.ts';
import type { ExperimentNetwork } from './network.ts';
import { type Action, type Check, isCheck, linkEnds } from './schema.ts';

export function describe(e: Action | Check): string {
  if (isCheck(e)) return `expect ${e.expect}${'id' in e ? ` ${e.id}` : ''}${'by' in e && e.by ? ` by servers ${e.by.join(',')}` : ''} within ${e.within} ms`;
  const { at: _at, do: what, ...rest } = e as Action & { at?: number };
  return `${what} ${JSON.stringify(rest)}`;
}

/** Play one action; a crash resolves with the servers it took down. */
export async function runAction(sim: ExperimentNetwork, topology: Topology, e: Action): Promise<number[] | void> {
  switch (e.do) {
    case 'latency':
    case 'toxic':
      await sim.link(...linkEnds(e.link)).add(e.toxic);
      return;
    case 'remove':
      return sim.link(...linkEnds(e.link)).remove(e.name);
    case 'down':
      return sim.link(...linkEnds(e.link)).down(e.direction, e.how, e.mode);
    case 'up':
      return sim.link(...linkEnds(e.link)).up(e.direction, e.mode);
    case 'hold':
      return sim.link(...linkEnds(e.link)).hold(e.direction);
    case 'release':
      return sim.link(...linkEnds(e.link)).release(e.direction);
    case 'partition':
      await sim.partition(e.groups, { mode: e.mode });
      return;
    case 'heal':
      return sim.heal();
    case 'crash':
      return sim.crash(e.server);
    case 'restart':
      return sim.restart(e.server);
    case 'quit':
      await sim.quit(e.client, e.text);
      return;
    case 'disconnect':
      await sim.disconnect(e.client);
      return;
    case 'join':
      await sim.addClient(topology.clients.find((c) => c.id === e.client)!);
      return;
  }
}
