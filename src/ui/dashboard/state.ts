// The dashboard's model, apart from any view: fed by node events, proxy events, a 1 Hz sample
// of the servers' counters and reads of the knowledge model, and turned into one plain
// snapshot per frame. Pure: no simulation, no timers, no terminal, so it is tested alone.
// Per-event work is a type switch and a counter; everything else happens once a frame.
import type { LinkFaults, LinkInfo } from '../../coordinator/simulation.ts';
import type { ServerCounters, SimEvent } from '../../threads/worker-api.ts';
import type { ProxyEvent } from '../../faults/events.ts';
import type { Topology } from '../../topology/schema.ts';
import { linkKey } from '../../coordinator/links.ts';
import { EventLog, type LogEntry, type LogKind } from './event-log.ts';
import { type LinkState, linkState, shownToxics } from './link-state.ts';
import { type TreeRow, treeRows } from './tree.ts';

export interface RowView extends TreeRow {
  up: boolean;
  port?: number;
  /** hosts it knows / hosts it should know, and whether exactly those */
  known?: number;
  expected?: number;
  converged?: boolean;
  /** servers: messages per second over the last sample, and bytes queued on its sockets */
  inRate?: number;
  outRate?: number;
  pending?: number;
  /** its link to its parent, when that is a known link */
  link?: { state: LinkState; toxics: string[] };
}

export interface LoadView {
  on: boolean;
  flows: number;
  rate: number;
  sent: number;
}

export interface Snapshot {
  elapsedMs: number;
  seed: number;
  proxied: boolean;
  /** start-up progress, until the network is up */
  phase?: string;
  /** undefined until the first reading */
  converged?: boolean;
  /** live nodes that do not know exactly what they should */
  differing: number;
  rows: RowView[];
  log: LogEntry[];
  /** chats delivered per second, one point a sample, oldest first */
  throughput: number[];
  totals: { inRate: number; outRate: number; pending: number; delivered: number };
  load: LoadView;
}

interface ServerSample {
  msgsIn: number;
  msgsOut: number;
  at: number;
}

const HISTORY = 60;

export class DashboardState {
  readonly rows: readonly TreeRow[];
  readonly log: EventLog;
  /** set by anything that can change what nodes know or should know; cleared by the reader */
  knowledgeDirty = true;
  /** set by proxy events: the link table's fault state is worth reading again */
  linksDirty = true;
  /** anything to show since the last frame (chats alone are not: they show once a second) */
  changed = true;
  /** when the network first converged (nowMs()) */
  convergedAt: number | undefined;
  private readonly names = new Map<number, string>();
  private readonly parents = new Map<number, number>();
  private readonly ports = new Map<number, number>();
  private readonly down = new Set<number>();
  private readonly links = new Map<string, { info: LinkInfo; faults?: LinkFaults }>();
  private readonly proxies = new Map<string, string>();
  private readonly knowledge = new Map<number, { known: number; expected: number; converged: boolean }>();
  private readonly rates = new Map<number, { inRate: number; outRate: number; pending: number }>();
  private readonly lastSample = new Map<number, ServerSample>();
  private readonly throughput: number[] = [];
  private delivered = 0;
  private deliveredTotal = 0;
  private lastSampleAt: number;
  private converged: boolean | undefined;
  private differing = 0;
  private phase: string | undefined = 'starting';
  private load: LoadView = { on: false, flows: 0, rate: 0, sent: 0 };

  constructor(readonly topology: Topology, readonly options: { startedAt: number; seed: number; proxied: boolean }) {
    this.rows = treeRows(topology);
    for (const h of [...topology.servers, ...topology.clients]) this.names.set(h.id, h.name);
    for (const r of this.rows) if (r.parent !== undefined) this.parents.set(r.id, r.parent);
    this.lastSampleAt = options.startedAt;
    this.log = new EventLog(options.startedAt, (id) => this.nameOf(id), (proxy) => {
      const key = this.proxies.get(proxy);
      return key && this.linkLabel(key);
    });
  }

  nameOf(id: number): string {
    return this.names.get(id) ?? String(id);
  }

  /** "7-4 (minastirith–lothlorien)" */
  linkLabel(key: string): string {
    const e = this.links.get(key);
    if (!e) return key;
    return `${e.info.child}-${e.info.parent} (${this.nameOf(e.info.child)}–${this.nameOf(e.info.parent)})`;
  }

  // ---- inputs ----------------------------------------------------------------------------

  simEvent(e: SimEvent): void {
    if (e.type === 'chat-delivered') {
      this.delivered++;
      return;
    }
    if (e.type === 'host-learned' || e.type === 'host-forgotten' || e.type === 'link-down' || e.type === 'link-up') this.knowledgeDirty = this.changed = true;
    if (this.log.node(e)) this.changed = true;
  }

  proxyEvent(e: ProxyEvent): void {
    this.linksDirty = true;
    this.changed = true;
    this.log.proxy(e);
  }

  progress(phase: string, done: number, total: number): void {
    this.phase = `${phase} ${done}/${total}`;
    this.changed = true;
  }

  /** The network is up: its ports and its links. */
  started(ports: ReadonlyMap<number, number>, links: readonly LinkInfo[]): void {
    this.phase = undefined;
    this.changed = true;
    for (const [id, p] of ports) this.ports.set(id, p);
    for (const l of links) {
      const key = linkKey(l.child, l.parent);
      this.links.set(key, { info: l });
      if (l.proxy) this.proxies.set(l.proxy, key);
    }
  }

  linkList(): LinkInfo[] {
    return [...this.links.values()].map((e) => e.info);
  }

  hasLink(a: number, b: number): boolean {
    return this.links.has(linkKey(a, b));
  }

  setLinkFaults(a: number, b: number, faults: LinkFaults | undefined): void {
    const e = this.links.get(linkKey(a, b));
    if (e) e.faults = faults;
  }

  linkFaults(a: number, b: number): LinkFaults | undefined {
    return this.links.get(linkKey(a, b))?.faults;
  }

  /** Once a second: every live server's counters (undefined: it did not answer). */
  sample(at: number, counters: ReadonlyMap<number, Pick<ServerCounters, 'msgsIn' | 'msgsOut' | 'pending'> | undefined>): void {
    for (const [id, c] of counters) {
      const last = this.lastSample.get(id);
      if (!c) {
        this.rates.delete(id);
        this.lastSample.delete(id);
        continue;
      }
      const dt = last ? (at - last.at) / 1000 : 0;
      this.rates.set(id, {
        inRate: last && dt > 0 ? Math.max(0, c.msgsIn - last.msgsIn) / dt : 0,
        outRate: last && dt > 0 ? Math.max(0, c.msgsOut - last.msgsOut) / dt : 0,
        pending: c.pending,
      });
      this.lastSample.set(id, { msgsIn: c.msgsIn, msgsOut: c.msgsOut, at });
    }
    const dt = (at - this.lastSampleAt) / 1000;
    this.throughput.push(dt > 0 ? this.delivered / dt : 0);
    if (this.throughput.length > HISTORY) this.throughput.shift();
    this.deliveredTotal += this.delivered;
    this.delivered = 0;
    this.lastSampleAt = at;
    this.changed = true;
  }

  setKnowledge(id: number, known: number, expected: number, converged: boolean): void {
    this.knowledge.set(id, { known, expected, converged });
    this.changed = true;
  }

  /** The whole network's convergence; the first time it holds, joins become news. */
  setConvergence(converged: boolean, differing: number, now: number): void {
    if (converged && this.log.quietJoins) {
      this.log.quietJoins = false;
      this.convergedAt = now;
      this.note(now, 'info', `converged in ${((now - this.options.startedAt) / 1000).toFixed(2)} s`);
    } else if (converged !== this.converged && this.converged !== undefined) {
      this.note(now, 'info', converged ? 'converged' : 'not converged');
    }
    this.converged = converged;
    this.differing = differing;
  }

  isUp(id: number): boolean {
    return !this.down.has(id);
  }

  /** Hosts gone (crashed with their clients, quit, disconnected). */
  markDown(ids: Iterable<number>): void {
    for (const id of ids) {
      this.down.add(id);
      this.knowledge.delete(id);
      this.rates.delete(id);
      this.lastSample.delete(id);
    }
    this.knowledgeDirty = true;
    this.changed = true;
  }

  markUp(ids: Iterable<number>): void {
    for (const id of ids) this.down.delete(id);
    this.knowledgeDirty = true;
    this.changed = true;
  }

  setLoad(load: LoadView): void {
    this.changed ||= load.on !== this.load.on || load.sent !== this.load.sent;
    this.load = { ...load };
  }

  /** An action or a notice, stamped `now` (nowMs()). */
  note(now: number, kind: LogKind, text: string): void {
    this.log.add(now - this.options.startedAt, kind, text);
    this.changed = true;
  }

  // ---- output ----------------------------------------------------------------------------

  frame(now: number, logLines = 200): Snapshot {
    this.changed = false;
    this.log.flush();
    const rows: RowView[] = this.rows.map((r) => {
      const up = !this.down.has(r.id);
      const k = up ? this.knowledge.get(r.id) : undefined;
      const rate = up ? this.rates.get(r.id) : undefined;
      const parent = this.parents.get(r.id);
      const link = parent === undefined ? undefined : this.links.get(linkKey(r.id, parent));
      return {
        ...r, up, port: this.ports.get(r.id),
        known: k?.known, expected: k?.expected, converged: k?.converged,
        inRate: rate?.inRate, outRate: rate?.outRate, pending: rate?.pending,
        link: link && { state: link.info.proxy ? linkState(link.faults) : 'direct', toxics: shownToxics(link.faults) },
      };
    });
    let inRate = 0;
    let outRate = 0;
    let pending = 0;
    for (const r of this.rates.values()) {
      inRate += r.inRate;
      outRate += r.outRate;
      pending += r.pending;
    }
    return {
      elapsedMs: now - this.options.startedAt,
      seed: this.options.seed,
      proxied: this.options.proxied,
      phase: this.phase,
      converged: this.converged,
      differing: this.differing,
      rows,
      log: this.log.tail(logLines),
      throughput: [...this.throughput],
      totals: { inRate, outRate, pending, delivered: this.deliveredTotal + this.delivered },
      load: { ...this.load },
    };
  }
}
