// Looking things up in an in-memory network: hosts by name or id, and what the trace and
// event log recorded. MemoryNet (net.ts) fills these in.
import type { CoreEvent } from '../core/index.ts';
import type { MemoryClient, MemoryEnd, MemoryNode, MemoryProbe, MemoryServer, NodeRef, TraceEntry, TracedEvent } from './nodes.ts';

export class NetView {
  readonly nodes = new Map<string, MemoryNode>();
  /** every frame delivered, in delivery order (unless the network was made with trace: false) */
  readonly trace: TraceEntry[] = [];
  readonly events: TracedEvent[] = [];

  resolve(ref: NodeRef): MemoryNode {
    if (typeof ref === 'string') {
      const n = this.nodes.get(ref);
      if (!n) throw new Error(`no node named ${ref}`);
      return n;
    }
    for (const n of this.nodes.values()) if (n.kind !== 'probe' && n.id === ref) return n;
    throw new Error(`no node with id ${ref}`);
  }

  server(ref: NodeRef): MemoryServer {
    const n = this.resolve(ref);
    if (n.kind !== 'server') throw new Error(`${n.name} is not a server`);
    return n;
  }

  client(ref: NodeRef): MemoryClient {
    const n = this.resolve(ref);
    if (n.kind !== 'client') throw new Error(`${n.name} is not a client`);
    return n;
  }

  probe(ref: string): MemoryProbe {
    const n = this.resolve(ref);
    if (n.kind !== 'probe') throw new Error(`${n.name} is not a probe`);
    return n;
  }

  servers(): MemoryServer[] {
    return [...this.nodes.values()].filter((n): n is MemoryServer => n.kind === 'server');
  }

  clients(): MemoryClient[] {
    return [...this.nodes.values()].filter((n): n is MemoryClient => n.kind === 'client');
  }

  /** Frames delivered from `from` to `to` (by node name), optionally only those after `since` (a trace length). */
  frames(from: NodeRef, to: NodeRef, since = 0): TraceEntry[] {
    const f = this.resolve(from).name;
    const t = this.resolve(to).name;
    return this.trace.slice(since).filter((e) => e.from === f && e.to === t);
  }

  /** Every frame sent by `from`, after `since`. */
  framesFrom(from: NodeRef, since = 0): TraceEntry[] {
    const f = this.resolve(from).name;
    return this.trace.slice(since).filter((e) => e.from === f);
  }

  /** Every frame received by `to`, after `since`. */
  framesTo(to: NodeRef, since = 0): TraceEntry[] {
    const t = this.resolve(to).name;
    return this.trace.slice(since).filter((e) => e.to === t);
  }

  /** A position in the trace, for `since` arguments. */
  mark(): number {
    return this.trace.length;
  }

  eventsOf(ref: NodeRef, since = 0): CoreEvent[] {
    const name = this.resolve(ref).name;
    return this.events.slice(since).filter((e) => e.node === name).map((e) => e.event);
  }

  eventMark(): number {
    return this.events.length;
  }

  protected endsOf(n: MemoryNode): MemoryEnd[] {
    if (n.kind === 'server') return [...n.ends.values()];
    return n.end ? [n.end] : [];
  }
}
