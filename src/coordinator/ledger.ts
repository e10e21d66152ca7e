// The knowledge model: what every node knows, built only from the nodes' own events
// (host-learned / host-forgotten), against what it should know given who is alive and which
// servers can still reach each other. Pure: no workers, no sockets; fed by plain event
// arrays, so it is tested without threads. converged() / forgotten() / known() resolve on
// the batch of events that makes them true, with the time of the event that did it (stamped
// in the thread where it happened), not the time the coordinator noticed.
// With `digests`, nodes report a count and a sum per node instead of one event per host
// (knowledge-digest.ts): the same waits then compare digests, and which host is missing
// where cannot be named (knownBy is unavailable).
import { type Clock, realClock } from '../util/clock.ts';
import { digestDiff } from './ledger-digests.ts';
import { LedgerWaits } from './ledger-waits.ts';
import type { SimEvent } from '../threads/worker-api.ts';

export interface Convergence {
  /** Time of the last event that completed convergence (worker clock, ms since epoch). */
  at: number;
}

export interface ConvergenceOptions {
  timeoutMs?: number;
}

export interface ForgottenOptions extends ConvergenceOptions {
  /** Only these servers (and their clients) must have forgotten. */
  by?: number[];
  /** Gaps in which no node knew the id count from this instant (ledger clock); default: the call. */
  since?: number;
}

export class ConvergenceTimeout extends Error {
  override readonly name = 'ConvergenceTimeout';
  constructor(message: string, readonly diff: string[]) {
    super(message);
  }
}

export class Ledger {
  private readonly servers = new Set<number>();
  private readonly clients = new Set<number>();
  /** Each client's server: a client is on its server's side of a split. */
  private readonly clientServer = new Map<number, number>();
  /** What each live node knows. */
  private readonly knows = new Map<number, Set<number>>();
  /** How many nodes know each id. */
  private readonly holders = new Map<number, number>();
  private readonly lastForgot = new Map<number, number>();
  private readonly lastLearned = new Map<number, number>();
  /** "node:id" -> when that node last forgot that id */
  private readonly forgotAt = new Map<string, number>();
  /**
   * "node:id" -> the node's forget just before its latest learn of id: the gap in which it did
   * not know id, by its own clock. Threads' batches arrive in any order, so the instant when no
   * node knew id may never be the Ledger's current state; these gaps find it (forgotten()).
   */
  private readonly gapFrom = new Map<string, { from: number; to: number }>();
  /** Component of each live server over the links that are up; undefined = one network. */
  private sides: ReadonlyMap<number, number> | undefined;
  /** Black-box servers (a foreign command impl): no events, so what they know is assumed right, never observed. */
  private readonly unobserved = new Set<number>();
  /**
   * Each node's latest change of what it knows (its own clock). Convergence is timed by the
   * latest of these over the live nodes: when the last node reached its final state. Not the
   * latest event of any kind: a thread's late batch would time it by newer, unrelated events.
   */
  private readonly changedAt = new Map<number, number>();
  private readonly waits: LedgerWaits;

  /** Each node's latest digest, when knowledge comes as digests. */
  private readonly digests: Map<number, { count: number; sum: number; t: number }> | undefined;

  private readonly clock: Clock;

  /** `nameOf` names nodes in diffs and timeouts; `digests`: knowledge arrives as `knowledge` events; waits time out on `clock`. */
  constructor(private readonly nameOf: (id: number) => string = String, { digests = false, clock = realClock }: { digests?: boolean; clock?: Clock } = {}) {
    this.digests = digests ? new Map() : undefined;
    this.clock = clock;
    this.waits = new LedgerWaits(clock);
  }

  // ---- who is alive ----------------------------------------------------------------------

  get serverCount(): number {
    return this.servers.size;
  }
  get clientCount(): number {
    return this.clients.size;
  }
  get liveServers(): ReadonlySet<number> {
    return this.servers;
  }
  /** The live clients attached to `server`. */
  clientsOf(server: number): number[] {
    return [...this.clients].filter((c) => this.clientServer.get(c) === server);
  }
  /** Every live client and the server it is attached to. */
  liveClients(): Array<{ id: number; server: number }> {
    return [...this.clients].map((id) => ({ id, server: this.clientServer.get(id)! }));
  }
  isLive(id: number): boolean {
    return this.servers.has(id) || this.clients.has(id);
  }

  /**
   * A server started: it knows nothing yet, and every node should come to know it.
   * `observed: false`: it reports nothing (black-box); only others' knowledge of it counts.
   */
  addServer(id: number, { observed = true }: { observed?: boolean } = {}): void {
    this.servers.add(id);
    this.digests?.delete(id);
    if (observed) {
      this.unobserved.delete(id);
      this.knows.set(id, new Set());
    } else {
      this.unobserved.add(id);
      this.knows.delete(id);
    }
    this.scheduleCheck();
  }

  /** A client is attaching to `server`. */
  addClient(id: number, server: number): void {
    this.clients.add(id);
    this.clientServer.set(id, server);
    this.knows.set(id, new Set());
    this.digests?.delete(id);
    this.lastLearned.delete(id);
    this.scheduleCheck();
  }

  /**
   * A node left (quit, cut off, crashed): it knows nothing any more, and nobody should know
   * it. `leaving`: it is about to leave by its own doing (a quit, a disconnect), so the
   * forgetting starts now and an earlier departure's times no longer count. Returns false if
   * it was not live.
   */
  remove(id: number, { leaving = false } = {}): boolean {
    if (!this.servers.delete(id) && !this.clients.delete(id)) return false;
    this.unobserved.delete(id);
    const set = this.knows.get(id);
    if (set) for (const h of set) this.holders.set(h, this.holders.get(h)! - 1);
    this.knows.delete(id);
    this.digests?.delete(id);
    if (leaving) this.lastForgot.delete(id);
    this.scheduleCheck();
    return true;
  }

  /** Which servers can reach which (component id per server), or undefined for one network. */
  setSides(sides: ReadonlyMap<number, number> | undefined): void {
    this.sides = sides;
    this.scheduleCheck();
  }

  // ---- events ----------------------------------------------------------------------------

  apply(events: readonly SimEvent[]): void {
    for (const e of events) {
      if (e.type === 'knowledge') {
        this.digests?.set(e.node, { count: e.count, sum: e.sum, t: e.t });
        this.changed(e.node, e.t);
      } else if (e.type === 'host-learned') {
        const set = this.knows.get(e.node);
        if (set && !set.has(e.id)) {
          set.add(e.id);
          const key = `${e.node}:${e.id}`;
          const forgot = this.forgotAt.get(key);
          if (forgot !== undefined && forgot <= e.t) this.gapFrom.set(key, { from: forgot, to: e.t });
          else this.gapFrom.delete(key);
          this.holders.set(e.id, (this.holders.get(e.id) ?? 0) + 1);
          if (e.t > (this.lastLearned.get(e.id) ?? 0)) this.lastLearned.set(e.id, e.t);
          this.changed(e.node, e.t);
        }
      } else if (e.type === 'host-forgotten') {
        const set = this.knows.get(e.node);
        if (set?.delete(e.id)) {
          this.holders.set(e.id, this.holders.get(e.id)! - 1);
          if (e.t > (this.lastForgot.get(e.id) ?? 0)) this.lastForgot.set(e.id, e.t);
          this.forgotAt.set(`${e.node}:${e.id}`, e.t);
          this.changed(e.node, e.t);
        }
      }
    }
    this.scheduleCheck();
  }

  private changed(node: number, t: number): void {
    if (t > (this.changedAt.get(node) ?? 0)) this.changedAt.set(node, t);
  }

  /** When the last live node reached what it knows now (its own clock). */
  private settledAt(): number {
    let at = 0;
    for (const n of this.servers) at = Math.max(at, this.changedAt.get(n) ?? 0);
    for (const n of this.clients) at = Math.max(at, this.changedAt.get(n) ?? 0);
    return at;
  }

  // ---- the expected model ----------------------------------------------------------------

  private sideOf(node: number): number | undefined {
    if (!this.sides) return undefined;
    return this.sides.get(this.servers.has(node) ? node : (this.clientServer.get(node) ?? -2));
  }

  /** The hosts `node` should know: every live host but itself (on its side, while split); clients know only clients. */
  expectedOf(node: number): number[] {
    const side = this.sideOf(node);
    const same = (id: number) => side === undefined || this.sideOf(id) === side;
    const clients = [...this.clients].filter((id) => id !== node && same(id));
    if (!this.servers.has(node)) return clients;
    return [...[...this.servers].filter((id) => id !== node && same(id)), ...clients];
  }

  knownBy(node: number): ReadonlySet<number> {
    if (this.digests) throw new Error('knownBy: this network reports knowledge as digests (knowledge: \'digest\'); which hosts a node knows is not streamed');
    if (this.unobserved.has(node)) return new Set(this.expectedOf(node));
    return this.knows.get(node) ?? new Set();
  }

  /** Per-node differences between what nodes know and what they should, at most `limit` lines. */
  diff(limit = 20): string[] {
    if (this.digests) return this.digestDiff([...this.servers, ...this.clients], limit);
    const out: string[] = [];
    for (const node of [...this.servers, ...this.clients]) {
      const knows = this.knownBy(node);
      const expected = this.expectedOf(node);
      const missing = expected.filter((id) => !knows.has(id));
      const expectedSet = new Set(expected);
      const extra = [...knows].filter((id) => !expectedSet.has(id));
      if (missing.length || extra.length) {
        const show = (xs: number[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? `, … (${xs.length})` : '');
        out.push(`${this.nameOf(node)} (${node}):${missing.length ? ` missing [${show(missing)}]` : ''}${extra.length ? ` extra [${show(extra)}]` : ''}`);
        if (out.length >= limit) {
          out.push('…');
          break;
        }
      }
    }
    return out;
  }

  /** True when every live node knows exactly the hosts it should. */
  isConverged(): boolean {
    if (this.digests) return this.digestDiff([...this.servers, ...this.clients], 1).length === 0;
    // Counts first (cheap); the exact check only when every count is right.
    for (const node of [...this.servers, ...this.clients]) {
      if (this.knownBy(node).size !== this.expectedOf(node).length) return false;
    }
    return this.diff(1).length === 0;
  }

  // ---- waits -----------------------------------------------------------------------------

  /** Resolves when every live node knows exactly what it should; rejects on timeout with a per-host diff. */
  converged({ timeoutMs = 30_000 }: ConvergenceOptions = {}): Promise<Convergence> {
    return this.waitFor(() => (this.isConverged() ? { at: this.settledAt() } : undefined), timeoutMs, () => {
      const diff = this.diff();
      return new ConvergenceTimeout(`not converged after ${timeoutMs} ms:\n  ${diff.join('\n  ')}`, diff);
    });
  }

  /**
   * Resolves when no node still knows `id` (with `by`: none of those servers and their
   * clients), with the time the last of them forgot it. `since` (default: now): an instant
   * when none knew it counts from then on, though some know it again (a check waited for
   * again passes its own start, so a gap between the two waits is still seen).
   */
  forgotten(id: number, { timeoutMs = 30_000, by, since = this.clock.now() }: ForgottenOptions = {}): Promise<Convergence> {
    if (this.digests) return this.digestWait(by, timeoutMs, `${id} may still be known`);
    const asked = by === undefined ? undefined : new Set(by);
    const nodes = () => [...this.knows.keys()].filter((n) => !asked || asked.has(n) || asked.has(this.clientServer.get(n) ?? -1));
    const still = () => nodes().filter((n) => this.knows.get(n)!.has(id));
    const probe = asked === undefined
      ? () => ((this.holders.get(id) ?? 0) === 0 ? { at: this.lastForgot.get(id) ?? 0 } : this.noneKnewAt(id, nodes(), since))
      : () => (still().length ? this.noneKnewAt(id, nodes(), since) : { at: Math.max(0, ...nodes().map((n) => this.forgotAt.get(`${n}:${id}`) ?? 0)) });
    return this.waitFor(probe, timeoutMs, () => {
      const names = still().map((n) => `${this.nameOf(n)} (${n})`);
      return new ConvergenceTimeout(`${id} still known after ${timeoutMs} ms by ${names.join(', ')}`, names);
    });
  }

  /**
   * An instant, by the nodes' own clocks, when none of `nodes` knew `id`, though some know it
   * again now: the latest of their last forgets, if every node that knows id now learned it
   * back after that instant and after `since` (the wait's start: an older gap is no answer).
   */
  private noneKnewAt(id: number, nodes: readonly number[], since: number): Convergence | undefined {
    let at = 0;
    const learnedBack: number[] = [];
    for (const n of nodes) {
      const key = `${n}:${id}`;
      if (this.knows.get(n)?.has(id)) {
        const gap = this.gapFrom.get(key);
        if (gap === undefined) return undefined; // knew it throughout, as far as its events say
        at = Math.max(at, gap.from);
        learnedBack.push(gap.to);
      } else at = Math.max(at, this.forgotAt.get(key) ?? 0);
    }
    if (!learnedBack.length) return undefined;
    return learnedBack.every((to) => to > at && to > since) ? { at } : undefined;
  }

  /** Resolves when every live node that should know `id` knows it, with the time the last of them learned it. */
  known(id: number, { timeoutMs = 30_000 }: ConvergenceOptions = {}): Promise<Convergence> {
    if (this.digests) return this.digestWait(undefined, timeoutMs, `${id} may not be known yet`);
    const should = () => [...this.servers, ...(this.servers.has(id) ? [] : this.clients)].filter((n) => n !== id);
    const missing = () => should().filter((n) => !this.knownBy(n).has(id));
    return this.waitFor(() => (missing().length === 0 ? { at: this.lastLearned.get(id) ?? 0 } : undefined), timeoutMs, () => {
      const names = missing().map((n) => `${this.nameOf(n)} (${n})`);
      return new ConvergenceTimeout(`${id} not yet known after ${timeoutMs} ms by ${names.join(', ')}`, names);
    });
  }

  // ---- digests -----------------------------------------------------------------------------

  /** The nodes among `nodes` whose digest is not the expected one, as diff lines (at most `limit`). */
  private digestDiff(nodes: Iterable<number>, limit: number): string[] {
    return digestDiff({ servers: this.servers, clients: this.clients, sideOf: (n) => this.sideOf(n), digests: this.digests!, nameOf: this.nameOf }, nodes, limit);
  }

  /**
   * By digest, one host's coming or going cannot be told apart from the rest: wait until the
   * asked nodes (servers `by` and their clients; default every live node) match the model
   * exactly, which implies it; the time is the latest change among them.
   */
  private digestWait(by: number[] | undefined, timeoutMs: number, what: string): Promise<Convergence> {
    const asked = by === undefined ? undefined : new Set(by);
    const nodes = () => [...this.servers, ...this.clients].filter((n) => !asked || asked.has(n) || asked.has(this.clientServer.get(n) ?? -1));
    return this.waitFor(() => {
      const ns = nodes();
      if (this.digestDiff(ns, 1).length > 0) return undefined;
      let at = 0;
      for (const n of ns) at = Math.max(at, this.digests!.get(n)?.t ?? 0);
      return { at };
    }, timeoutMs, () => {
      const diff = this.digestDiff(nodes(), 20);
      return new ConvergenceTimeout(`${what} after ${timeoutMs} ms:\n  ${diff.join('\n  ')}`, diff);
    });
  }

  /** Fail every wait now and every later one at once (a worker crashed, or the run stopped). */
  fail(err: Error): void {
    this.waits.fail(err);
  }

  private waitFor<T>(probe: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return this.waits.waitFor(probe, timeoutMs, onTimeout);
  }

  private scheduleCheck(): void {
    this.waits.scheduleCheck();
  }
}
