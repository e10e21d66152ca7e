// The faults of a run, replayed from its actions: each fault as an episode (what it hit, when
// it started, which action cleared it), and the network as it should be after any prefix of
// the actions (who is alive, which server links are up, the latency injected on each link).
// Pure, so phases and the traffic audit are computed, and tested, from plain action lists.
import type { Topology } from '../topology/schema.ts';
import type { LiveNetwork } from './consistency.ts';
import { type Action, linkEnds } from './schema.ts';

/** An action as it was played. */
export interface ActionRecord {
  index: number;
  /** when it began, ms since the epoch (the clock the nodes stamp events with) */
  t: number;
  action: Action;
  /** the servers a crash took down (every server of that worker) */
  gone?: number[];
  error?: string;
}

/**
 * cut: down both ways, its connections closed; one-way: down one way (its connections closed
 * too); silent: its bytes dropped, its connections left open (only liveness finds it); hold:
 * its bytes held; crash: servers down; leave: a client quit or disconnected; toxic: see below.
 */
export type FaultKind = 'cut' | 'one-way' | 'silent' | 'hold' | 'crash' | 'leave' | 'toxic';
type Mode = 'cut' | 'silent';

export interface FaultEpisode {
  /** the action that started it */
  index: number;
  what: string;
  kind: FaultKind;
  start: number;
  /** the action that cleared it, and when; absent while it lasted to the end */
  endIndex?: number;
  end?: number;
  /**
   * Until when what happens is put down to it: the next action after the one that cleared it
   * (a netsplit may be noticed, and forgotten hosts relearned, after the clear); absent: to
   * the end of the run.
   */
  horizon?: number;
  /** links it hit, each "a-b" with the smaller id first */
  links: string[];
  /** servers it took down */
  servers: number[];
  /** clients it removed */
  clients: number[];
  /**
   * It stops bytes by itself. A toxic does not (it delays, throttles or reshapes them); it
   * breaks a link only if a server gives up on that link while it is on.
   */
  breaks: boolean;
  /** for a down or a hold: which way */
  direction?: 'upstream' | 'downstream' | 'both';
  /** for a down or a partition */
  mode?: Mode;
  toxic?: { name: string; type: string };
}

type Direction = 'upstream' | 'downstream';
const DIRECTIONS: Record<'upstream' | 'downstream' | 'both', Direction[]> = { upstream: ['upstream'], downstream: ['downstream'], both: ['upstream', 'downstream'] };
export const linkId = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);
/** Toxics that delay or reshape bytes but never drop them. */
const DELAY_TOXICS = new Set(['latency', 'bandwidth', 'slicer', 'slow_close']);

interface LinkState {
  /** directions that are down, and how */
  down: Map<Direction, Mode>;
  held: Set<Direction>;
  /** toxic name -> its type, direction and latency (ms) when it is one */
  toxics: Map<string, { type: string; directions: Direction[]; ms: number }>;
}

interface State {
  links: Map<string, LinkState>;
  dead: Set<number>;
  /** clients that quit or disconnected, until they join again */
  gone: Set<number>;
  /** clients cut off (their link cut, their server crashed): they re-dial and come back with it */
  cutOff: Set<number>;
  partitioned: string[];
}

export class FaultReplay {
  readonly episodes: FaultEpisode[] = [];
  /** state after each prefix of the actions: states[n] = after the first n */
  private readonly states: State[] = [];
  private readonly serverLinks: Array<[number, number]>;
  private readonly clientServer: Map<number, number>;

  constructor(private readonly topology: Topology, readonly actions: readonly ActionRecord[]) {
    this.serverLinks = topology.servers.filter((s) => s.join !== undefined).map((s) => [s.id, s.join!]);
    this.clientServer = new Map(topology.clients.map((c) => [c.id, c.server]));
    let state: State = { links: new Map(), dead: new Set(), gone: new Set(), cutOff: new Set(), partitioned: [] };
    this.states.push(state);
    const open: FaultEpisode[] = [];
    for (const r of actions) {
      state = clone(state);
      if (!r.error) this.apply(state, r, open);
      this.states.push(state);
    }
    for (const e of this.episodes) {
      const next = e.endIndex === undefined ? undefined : actions[this.position(e.endIndex) + 1];
      if (next) e.horizon = next.t;
    }
  }

  /** The network as it should be after the first `n` actions (0: before any). */
  networkAfter(n: number): LiveNetwork {
    const s = this.states[Math.max(0, Math.min(n, this.states.length - 1))]!;
    const servers = this.topology.servers.map((x) => x.id).filter((id) => !s.dead.has(id));
    const alive = new Set(servers);
    return {
      servers,
      clients: this.topology.clients.filter((c) => !s.gone.has(c.id) && !s.cutOff.has(c.id) && alive.has(c.server) && !isBroken(s.links.get(linkId(c.id, c.server)))).map((c) => ({ id: c.id, server: c.server })),
      links: this.serverLinks.filter(([a, b]) => alive.has(a) && alive.has(b) && !isBroken(s.links.get(linkId(a, b)))),
    };
  }

  /** Injected one-way latency (ms) from `from` to the adjacent `to` after the first `n` actions. */
  latencyAfter(n: number, from: number, to: number): number {
    const s = this.states[Math.max(0, Math.min(n, this.states.length - 1))]!;
    const link = s.links.get(linkId(from, to));
    if (!link) return 0;
    // Upstream = child to parent; a server's parent is its join, a client's its server.
    const parentOfFrom = this.topology.servers.find((x) => x.id === from)?.join ?? this.clientServer.get(from);
    const dir: Direction = parentOfFrom === to ? 'upstream' : 'downstream';
    let ms = 0;
    for (const t of link.toxics.values()) if (t.directions.includes(dir)) ms += t.ms;
    return ms;
  }

  /** How many actions there are (networkAfter(count) is the end state). */
  get count(): number {
    return this.actions.length;
  }

  /** The position of action `index` in the list (so networkAfter(pos) is the state before it). */
  position(index: number): number {
    return this.actions.findIndex((a) => a.index === index);
  }

  /** The client on a link "a-b", when it is a client's link. */
  private clientOf(l: string): number | undefined {
    const [a, b] = linkEnds(l);
    return this.clientServer.get(a) === b ? a : this.clientServer.get(b) === a ? b : undefined;
  }

  private apply(s: State, r: ActionRecord, open: FaultEpisode[]): void {
    const a = r.action;
    const link = (l: string) => {
      const [x, y] = linkEnds(l);
      const key = linkId(x, y);
      let st = s.links.get(key);
      if (!st) s.links.set(key, (st = { down: new Map(), held: new Set(), toxics: new Map() }));
      return { key, st };
    };
    const start = (kind: FaultKind, what: string, hit: Partial<Pick<FaultEpisode, 'links' | 'servers' | 'clients' | 'toxic' | 'direction' | 'mode'>>, breaks = true) => {
      const e: FaultEpisode = { index: r.index, what, kind, start: r.t, links: [], servers: [], clients: [], breaks, ...hit };
      this.episodes.push(e);
      open.push(e);
    };
    const clear = (match: (e: FaultEpisode) => boolean) => {
      for (let i = open.length - 1; i >= 0; i--) {
        const e = open[i]!;
        if (!match(e)) continue;
        e.end = r.t;
        e.endIndex = r.index;
        open.splice(i, 1);
      }
    };
    switch (a.do) {
      case 'down': {
        const { key, st } = link(a.link);
        const client = this.clientOf(a.link);
        const mode = a.mode ?? 'cut';
        for (const d of DIRECTIONS[a.direction]) st.down.set(d, mode);
        // A client whose link is cut is gone, as if it had disconnected, until the link is back
        // (it re-dials); a silent one goes unnoticed (servers do not probe clients).
        const cutOff = mode === 'cut' && client !== undefined;
        if (cutOff) s.cutOff.add(client);
        const kind = mode === 'silent' ? 'silent' : a.direction === 'both' ? 'cut' : 'one-way';
        start(kind, `down ${a.link}${a.direction === 'both' ? '' : ` ${a.direction}`}${mode === 'silent' ? ' silent' : ''}`, { links: [key], direction: a.direction, mode, clients: cutOff ? [client] : [] });
        return;
      }
      case 'up': {
        const { key, st } = link(a.link);
        for (const d of DIRECTIONS[a.direction]) if (a.mode === undefined || st.down.get(d) === a.mode) st.down.delete(d);
        const client = this.clientOf(a.link);
        if (client !== undefined && st.down.size === 0) s.cutOff.delete(client);
        const covers = (d: FaultEpisode['direction']) => a.direction === 'both' || d === a.direction;
        clear((e) => e.what.startsWith('down ') && e.links[0] === key && covers(e.direction) && (a.mode === undefined || e.mode === a.mode));
        return;
      }
      case 'hold': {
        const { key, st } = link(a.link);
        for (const d of DIRECTIONS[a.direction]) st.held.add(d);
        start('hold', `hold ${a.link}${a.direction === 'both' ? '' : ` ${a.direction}`}`, { links: [key], direction: a.direction });
        return;
      }
      case 'release': {
        const { key, st } = link(a.link);
        for (const d of DIRECTIONS[a.direction]) st.held.delete(d);
        clear((e) => e.kind === 'hold' && e.links[0] === key && (a.direction === 'both' || e.direction === a.direction));
        return;
      }
      case 'latency':
      case 'toxic': {
        const { type, direction, name, attributes } = a.toxic;
        const { key, st } = link(a.link);
        st.toxics.set(name, { type, directions: DIRECTIONS[direction], ms: type === 'latency' ? Number(attributes.ms ?? 0) : 0 });
        start('toxic', `${type} ${a.link}`, { links: [key], toxic: { name, type } }, !DELAY_TOXICS.has(type));
        return;
      }
      case 'remove': {
        const { key, st } = link(a.link);
        st.toxics.delete(a.name);
        clear((e) => e.kind === 'toxic' && e.links[0] === key && e.toxic?.name === a.name);
        return;
      }
      case 'partition': {
        heal(s);
        clear((e) => e.what.endsWith('partition'));
        const groupOf = new Map<number, number>();
        a.groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
        const cut = this.serverLinks.filter(([x, y]) => (groupOf.get(x) ?? -1) !== (groupOf.get(y) ?? -1)).map(([x, y]) => linkId(x, y));
        const mode = a.mode ?? 'cut';
        for (const key of cut) for (const d of DIRECTIONS.both) link(key).st.down.set(d, mode);
        s.partitioned = cut;
        start(mode === 'silent' ? 'silent' : 'cut', mode === 'silent' ? 'silent partition' : 'partition', { links: cut, direction: 'both', mode });
        return;
      }
      case 'heal':
        heal(s);
        clear((e) => e.what.endsWith('partition'));
        return;
      case 'crash': {
        const gone = r.gone ?? [a.server];
        for (const id of gone) s.dead.add(id);
        // Their clients are cut off with them, and re-dial: they come back when their server does.
        const clients = this.topology.clients.filter((c) => gone.includes(c.server) && !s.gone.has(c.id)).map((c) => c.id);
        for (const c of clients) s.cutOff.add(c);
        start('crash', `crash ${gone.join(',')}`, { servers: gone, clients });
        return;
      }
      case 'restart':
        s.dead.delete(a.server);
        for (const c of this.topology.clients) if (c.server === a.server) s.cutOff.delete(c.id);
        clear((e) => e.kind === 'crash' && e.servers.includes(a.server));
        return;
      case 'quit':
      case 'disconnect':
        s.gone.add(a.client);
        s.cutOff.delete(a.client);
        start('leave', `${a.do} ${a.client}`, { clients: [a.client] });
        return;
      case 'join':
        s.gone.delete(a.client);
        s.cutOff.delete(a.client);
        clear((e) => e.kind === 'leave' && e.clients.includes(a.client));
        return;
    }
  }
}

/** As Links.heal: every link the partition cut comes up both ways. */
function heal(s: State): void {
  for (const key of s.partitioned) {
    const st = s.links.get(key);
    if (!st) continue;
    st.down.clear();
  }
  s.partitioned = [];
}

function isBroken(l: LinkState | undefined): boolean {
  return l !== undefined && (l.down.size > 0 || l.held.size > 0);
}

function clone(s: State): State {
  const links = new Map<string, LinkState>();
  for (const [k, v] of s.links) links.set(k, { down: new Map(v.down), held: new Set(v.held), toxics: new Map(v.toxics) });
  return { links, dead: new Set(s.dead), gone: new Set(s.gone), cutOff: new Set(s.cutOff), partitioned: [...s.partitioned] };
}
