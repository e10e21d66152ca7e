// The knowledge model on its own: plain event arrays in, answers out; no threads, no sockets.
import { describe, expect, it } from 'vitest';
import { ConvergenceTimeout, Ledger } from '../../src/coordinator/ledger.ts';
import { Links } from '../../src/coordinator/links.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { nowMs } from '../../src/util/clock.ts';
import type { World } from '../../src/coordinator/world.ts';

const learned = (node: number, id: number, t: number): SimEvent => ({ type: 'host-learned', node, id, t, kind: id > 100 ? 'client' : 'server', name: `h${id}`, firstLinkId: id });
const forgot = (node: number, id: number, t: number): SimEvent => ({ type: 'host-forgotten', node, id, t, reason: 'quit' } as SimEvent);

/** Servers 1-2-3 in a chain, client 101 on 1 and 103 on 3: every node learns every host it should. */
function chain(): { ledger: Ledger; all: SimEvent[] } {
  const ledger = new Ledger((id) => `n${id}`);
  for (const s of [1, 2, 3]) ledger.addServer(s);
  ledger.addClient(101, 1);
  ledger.addClient(103, 3);
  const all: SimEvent[] = [];
  let t = 1000;
  for (const node of [1, 2, 3]) for (const id of [1, 2, 3, 101, 103]) if (id !== node) all.push(learned(node, id, t++));
  all.push(learned(101, 103, t++), learned(103, 101, t++));
  return { ledger, all };
}

describe('Ledger', () => {
  it('converges on the batch that completes the model, at that batch\'s last event time', async () => {
    const { ledger, all } = chain();
    ledger.apply(all.slice(0, -1));
    expect(ledger.isConverged()).toBe(false);
    expect(ledger.diff()).toEqual(['n103 (103): missing [101]']);
    const waiting = ledger.converged({ timeoutMs: 1000 });
    ledger.apply(all.slice(-1));
    expect(await waiting).toEqual({ at: all.at(-1)!.t });
  });

  it('times convergence by the nodes\' own last changes, not by newer events of other kinds that came first', async () => {
    const { ledger, all } = chain();
    ledger.apply(all.slice(0, -1));
    const waiting = ledger.converged({ timeoutMs: 1000 });
    const last = all.at(-1)!;
    // Other threads' events, stamped a second later (a re-dial refused, a link event), arrive
    // before the late thread's batch that completes the model (seen in crash-restart under load).
    ledger.apply([{ type: 'conn-closed', node: 2, conn: 7, reason: 'connection reset by peer', t: last.t + 1000 } as SimEvent]);
    ledger.apply([last]);
    expect(await waiting).toEqual({ at: last.t });
  });

  it('reports extra hosts, and times out with the per-host diff', async () => {
    const { ledger, all } = chain();
    ledger.apply([...all, learned(101, 2, 5000)]);
    expect(ledger.diff()).toEqual(['n101 (101): extra [2]']);
    const err = await ledger.converged({ timeoutMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvergenceTimeout);
    expect((err as ConvergenceTimeout).diff).toEqual(['n101 (101): extra [2]']);
  });

  it('forgotten() answers with the last forget; with `by`, only those servers and their clients count', async () => {
    const { ledger, all } = chain();
    ledger.apply(all);
    ledger.remove(103, { leaving: true });
    const byOne = ledger.forgotten(103, { by: [1], timeoutMs: 1000 });
    const everyone = ledger.forgotten(103, { timeoutMs: 1000 });
    ledger.apply([forgot(1, 103, 7001), forgot(101, 103, 7002)]);
    expect(await byOne).toEqual({ at: 7002 });
    ledger.apply([forgot(2, 103, 7003), forgot(3, 103, 7004)]);
    expect(await everyone).toEqual({ at: 7004 });
    expect(ledger.isConverged()).toBe(true);
  });

  it('forgotten() finds the instant no node knew an id when threads report it out of order (a quit, then a quick re-join)', async () => {
    const { ledger, all } = chain();
    ledger.apply(all);
    const t = nowMs();
    ledger.remove(103, { leaving: true });
    const gone = ledger.forgotten(103, { timeoutMs: 2000 });
    ledger.addClient(103, 3);
    // The servers forget 103 and learn it again as it re-joins; their batches come in first.
    ledger.apply([forgot(1, 103, t + 1), forgot(2, 103, t + 2), forgot(3, 103, t + 3), learned(3, 103, t + 10), learned(2, 103, t + 11), learned(1, 103, t + 12)]);
    // Client 101's thread was behind: its forget (t + 4, before any re-learn) arrives last.
    ledger.apply([forgot(101, 103, t + 4)]);
    expect(await gone).toEqual({ at: t + 4 });
  });

  it('forgotten() is not answered by a node that knew the id throughout, nor by a gap older than the wait', async () => {
    const { ledger, all } = chain();
    ledger.apply(all);
    const t = nowMs();
    // An old gap: server 2 forgot 101 and learned it back before anyone asked.
    ledger.apply([forgot(2, 101, t - 50), learned(2, 101, t - 40), forgot(1, 101, t - 45), learned(1, 101, t - 30)]);
    ledger.apply([forgot(3, 101, t - 60), learned(3, 101, t - 20), forgot(103, 101, t - 55), learned(103, 101, t - 10)]);
    const err = await ledger.forgotten(101, { timeoutMs: 50 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConvergenceTimeout);
    // Now every node but 103 forgets and re-learns it; 103 never did: no instant without a holder.
    const again = ledger.forgotten(101, { timeoutMs: 50 });
    ledger.apply([1, 2, 3].flatMap((n) => [forgot(n, 101, t + n), learned(n, 101, t + 10 + n)]));
    expect(await again.catch((e: Error) => e)).toBeInstanceOf(ConvergenceTimeout);
  });

  it('forgotten({ since }) counts a gap between `since` and the call (a check waited for again after the host was late)', async () => {
    const { ledger, all } = chain();
    ledger.apply(all);
    const t = nowMs();
    // The check began at t - 100; every node forgot 101 and learned it back before this second wait.
    ledger.apply([1, 2, 3, 103].flatMap((n, i) => [forgot(n, 101, t - 90 + i), learned(n, 101, t - 50 + i)]));
    expect(await ledger.forgotten(101, { timeoutMs: 50, since: t - 100 })).toEqual({ at: t - 87 });
    // From the call on (the default), that gap is too old to answer.
    expect(await ledger.forgotten(101, { timeoutMs: 50 }).catch((e: Error) => e)).toBeInstanceOf(ConvergenceTimeout);
  });

  it('known() waits until every node that should know an id does', async () => {
    const { ledger, all } = chain();
    ledger.apply(all);
    ledger.addClient(102, 2);
    const known = ledger.known(102, { timeoutMs: 1000 });
    ledger.apply([1, 2, 3, 101].map((n, i) => learned(n, 102, 8000 + i)));
    const err = await ledger.known(102, { timeoutMs: 20 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/not yet known .* by n103 \(103\)/);
    ledger.apply([learned(103, 102, 8010)]);
    expect(await known).toEqual({ at: 8010 });
  });

  it('while split, each side is expected to know only its own side', () => {
    const { ledger, all } = chain();
    ledger.apply(all);
    ledger.setSides(new Map([[1, 1], [2, 1], [3, 3]]));
    expect(ledger.expectedOf(1).sort((a, b) => a - b)).toEqual([2, 101]);
    expect(ledger.expectedOf(103)).toEqual([]);
    expect(ledger.diff()).toContain('n103 (103): extra [101]');
    ledger.setSides(undefined);
    expect(ledger.isConverged()).toBe(true);
  });

  it('a failure rejects every pending wait and every later one', async () => {
    const { ledger } = chain();
    const pending = ledger.converged({ timeoutMs: 5000 });
    ledger.fail(new Error('worker servers-2 crashed'));
    await expect(pending).rejects.toThrow('crashed');
    await expect(ledger.known(1, { timeoutMs: 5000 })).rejects.toThrow('crashed');
  });
});

describe('Links.components', () => {
  it('splits the servers where a link is cut, and is one network again when it comes back', async () => {
    const links = new Links({} as World); // direct links only: no worker is ever asked for
    await links.addServerLink(2, 1, { host: '127.0.0.1', port: 1001 });
    await links.addServerLink(3, 2, { host: '127.0.0.1', port: 1002 });
    await links.addServerLink(4, 2, { host: '127.0.0.1', port: 1002 });
    expect(links.components([1, 2, 3, 4])).toBeUndefined();
    expect(links.dialAddress(3, 2)).toBeUndefined();
    expect(() => links.control(3, 2)).toThrow(/direct; start the simulation with proxyLinks/);
    // A crashed server splits the tree too: 3 and 4 hang off 2.
    const sides = links.components([1, 3, 4])!;
    expect(new Set([sides.get(1), sides.get(3), sides.get(4)]).size).toBe(3);
  });
});
