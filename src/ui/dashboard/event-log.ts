// The dashboard's event log: what was done (actions, faults) and what the network did about it
// (netsplits, detections, quits, joins), each with its time since the start. Node events that
// come in bursts (every node forgetting a host, every node learning one) are counted as they
// arrive and become one line per host at the next frame.
import type { ProxyEvent } from '../../faults/events.ts';
import type { SimEvent } from '../../threads/worker-api.ts';

export type LogKind = 'action' | 'fault' | 'netsplit' | 'detect' | 'quit' | 'join' | 'error' | 'info';

export interface LogEntry {
  /** ms since the dashboard started */
  atMs: number;
  kind: LogKind;
  text: string;
}

/** Nodes that learned or forgot hosts since the last frame, for one line. */
interface Burst {
  atMs: number;
  nodes: Set<number>;
  hosts: Set<number>;
}

/** Refused chats come on every chat while a destination is gone: a line a second is enough. */
const REFUSED_EVERY_MS = 1000;

const KEEP = 500;

export class EventLog {
  private entries: LogEntry[] = [];
  /** by reason (quit, netsplit, …) */
  private readonly forgotten = new Map<string, Burst>();
  private learned: Burst | undefined;
  private refused: { atMs: number; lastMs: number; chats: number } | undefined;
  private lastRefusedLine = -Infinity;
  /** Joins are not news while the network first comes up. */
  quietJoins = true;

  constructor(
    private readonly startedAt: number,
    private readonly nameOf: (id: number) => string,
    /** "7-4 (minastirith–lothlorien)" for a proxy's name, when it is a known link */
    private readonly linkOf: (proxy: string) => string | undefined,
  ) {}

  add(atMs: number, kind: LogKind, text: string): void {
    // Events reach here in arrival order, batched per worker: keep the log in event-time order.
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.atMs > atMs) i--;
    this.entries.splice(i, 0, { atMs, kind, text });
    if (this.entries.length > 2 * KEEP) this.entries = this.entries.slice(-KEEP);
  }

  private host(id: number): string {
    return `${this.nameOf(id)} (${id})`;
  }

  private rel(t: number): number {
    return t - this.startedAt;
  }

  /** A node event (chats are counted elsewhere and never reach here); false if it is not news. */
  node(e: SimEvent): boolean {
    const at = this.rel(e.t);
    switch (e.type) {
      case 'host-forgotten': {
        let b = this.forgotten.get(e.reason);
        if (!b) this.forgotten.set(e.reason, b = { atMs: at, nodes: new Set(), hosts: new Set() });
        b.nodes.add(e.node);
        b.hosts.add(e.id);
        return true;
      }
      case 'host-learned':
        if (this.quietJoins) return false;
        this.learned ??= { atMs: at, nodes: new Set(), hosts: new Set() };
        this.learned.nodes.add(e.node);
        this.learned.hosts.add(e.id);
        return true;
      case 'link-down':
        if (e.kind === 'server') this.add(at, 'netsplit', `${this.host(e.node)} lost its link to ${this.host(e.peerId)}${e.lost ? `: ${e.lost} hosts behind it` : ''}`);
        else this.add(at, 'detect', `${this.host(e.node)} lost client ${this.host(e.peerId)}`);
        return true;
      case 'link-up':
        if (this.quietJoins) return false;
        this.add(at, 'detect', `${this.host(e.node)} linked with ${e.kind} ${this.host(e.peerId)}`);
        return true;
      case 'unknown-destination':
        if (this.refused) {
          this.refused.chats++;
          this.refused.lastMs = at;
        } else this.refused = { atMs: at, lastMs: at, chats: 1 };
        return true;
      case 'duplicate-id':
        this.add(at, 'error', `${this.host(e.node)} refused a duplicate ${e.kind} id ${e.id}`);
        return true;
      case 'protocol-error':
        this.add(at, 'error', `${this.host(e.node)}: protocol error: ${e.reason}`);
        return true;
      case 'decode-error':
        this.add(at, 'error', `${this.host(e.node)}: bad frame: ${e.message}`);
        return true;
      default:
        return false; // connections opening and closing, status lines: not news
    }
  }

  proxy(e: ProxyEvent): void {
    const link = this.linkOf(e.proxy) ?? e.proxy;
    const at = this.rel(e.t);
    switch (e.type) {
      // A silent partition closes nothing: its 'how' (for a cut) does not apply.
      case 'link-down': return this.add(at, 'fault', e.mode === 'silent'
        ? `link ${link} silent ${e.direction} (bytes dropped, connections open)`
        : `link ${link} down ${e.direction} (${e.how})`);
      case 'link-up': return this.add(at, 'fault', `link ${link} up ${e.direction}${e.mode === 'silent' ? ' (silent partition over)' : ''}`);
      case 'link-hold': return this.add(at, 'fault', `link ${link} held ${e.direction}`);
      case 'link-release': return this.add(at, 'fault', `link ${link} released ${e.direction}`);
      case 'toxic-added': return this.add(at, 'fault', `link ${link}: toxic ${e.toxic} (${e.toxicType}, ${e.direction}) added`);
      case 'toxic-removed': return this.add(at, 'fault', `link ${link}: toxic ${e.toxic} removed`);
      default: return; // proxied connections opening, closing, refused: not news
    }
  }

  private hosts(ids: Set<number>): string {
    const shown = [...ids].slice(0, 4).map((id) => this.host(id)).join(', ');
    return ids.size > 4 ? `${ids.size} hosts: ${shown}, …` : shown;
  }

  /** Turn the bursts counted since the last frame into lines. */
  flush(): void {
    const lines: LogEntry[] = [];
    const nodes = (b: Burst) => `${b.nodes.size} node${b.nodes.size > 1 ? 's' : ''}`;
    for (const [reason, b] of this.forgotten) {
      const kind: LogKind = reason === 'quit' || reason === 'disconnect' ? 'quit' : 'netsplit';
      lines.push({ atMs: b.atMs, kind, text: `${nodes(b)} forgot ${this.hosts(b.hosts)} (${reason})` });
    }
    if (this.learned) lines.push({ atMs: this.learned.atMs, kind: 'join', text: `${nodes(this.learned)} learned ${this.hosts(this.learned.hosts)}` });
    if (this.refused && this.refused.lastMs - this.lastRefusedLine >= REFUSED_EVERY_MS) {
      lines.push({ atMs: this.refused.atMs, kind: 'detect', text: `${this.refused.chats} chat${this.refused.chats > 1 ? 's' : ''} refused: unknown destination` });
      this.lastRefusedLine = this.refused.lastMs;
      this.refused = undefined;
    }
    this.forgotten.clear();
    this.learned = undefined;
    lines.sort((a, b) => a.atMs - b.atMs);
    for (const l of lines) this.add(l.atMs, l.kind, l.text);
  }

  tail(n: number): LogEntry[] {
    return this.entries.slice(-n);
  }

  all(): readonly LogEntry[] {
    return this.entries;
  }
}
