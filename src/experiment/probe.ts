// Reads a running simulation into the consistency check's inputs: who is alive (the Ledger),
// which server links are up (the link table's fault state), and every live node's own state
// (read from its worker), then checks it. The reads are not one atomic snapshot, so a network
// in motion may look inconsistent for a moment: callers poll.
import type { LinkFaults } from '../coordinator/simulation.ts';
import { type Clock, realClock } from '../util/clock.ts';
import type { ExperimentNetwork } from './network.ts';
import { type ClientView, type Consistency, type LiveNetwork, type ServerView, checkConsistency } from './consistency.ts';

/** A fault that stops bytes on the link in some direction: down (cut or silent) or held; a toxic only slows them. */
export function stopsBytes(f: LinkFaults): boolean {
  return f.upstream.down !== undefined || f.downstream.down !== undefined || f.upstream.held || f.downstream.held;
}

/** The network as it should be now, from the Ledger and the link table. */
export function liveNetwork(sim: ExperimentNetwork): LiveNetwork {
  const { servers, clients } = sim.live();
  const alive = new Set(servers);
  const broken = new Set<string>();
  const links: Array<[number, number]> = [];
  for (const l of sim.linkList()) {
    const down = l.proxy !== undefined && stopsBytes(sim.link(l.child, l.parent).faults());
    if (l.kind === 'client') {
      if (down) broken.add(`${l.child}`);
    } else if (!down && alive.has(l.child) && alive.has(l.parent)) links.push([l.child, l.parent]);
  }
  return { servers, clients: clients.filter((c) => !broken.has(`${c.id}`)), links };
}

/** Read every live node's state and check the network. */
export async function probeConsistency(sim: ExperimentNetwork): Promise<Consistency> {
  const net = liveNetwork(sim);
  const unreadable = new Map<number, string>();
  const read = async <T>(id: number, get: (id: number) => Promise<T>): Promise<[number, T] | undefined> => {
    try {
      return [id, await get(id)];
    } catch (err) {
      unreadable.set(id, (err as Error).message);
      return undefined;
    }
  };
  const [servers, clients] = await Promise.all([
    Promise.all(net.servers.map((id) => read<ServerView>(id, (x) => sim.serverState(x)))),
    Promise.all(net.clients.map((c) => read<ClientView>(c.id, (x) => sim.clientState(x)))),
  ]);
  const defined = <T>(xs: Array<T | undefined>) => xs.filter((x): x is T => x !== undefined);
  return checkConsistency(net, { servers: new Map(defined(servers)), clients: new Map(defined(clients)), unreadable }, (id) => sim.nameOf(id));
}

export interface Polled {
  result: Consistency;
  /** when the deciding snapshot was complete (the clock's ms) */
  at: number;
  snapshots: number;
}

/**
 * Snapshot every `everyMs` until one is consistent (or `accept`able: foreign servers' problems
 * only, say) or `deadline` (the clock's ms) passes (on `clock`); the last one either way.
 */
export async function pollConsistent(sim: ExperimentNetwork, deadline: number, everyMs = 50, accept: (c: Consistency) => boolean = (c) => c.consistent, clock: Clock = realClock): Promise<Polled> {
  for (let snapshots = 1; ; snapshots++) {
    const started = clock.now();
    const result = await probeConsistency(sim);
    const at = clock.now();
    if (accept(result) || at >= deadline) return { result, at, snapshots };
    // A plain timer (setTimeout on the real clock, as before the clock seam), not sleepUntil's precise finish.
    await new Promise<void>((r) => clock.at(at + Math.max(0, Math.min(everyMs - (at - started), deadline - at)), r));
  }
}
