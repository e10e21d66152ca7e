// In-memory network for driving the sans-I/O cores with no sockets.
//
// A Net holds ServerCore / ClientCore instances (and "probes": bare peers with no core, for
// hand-crafted bytes). Each connection has two ends, each with its own ConnId and its own
// FrameDecoder. A 'send' effect puts ENCODED BYTES in flight toward the peer end; delivery
// feeds them through the receiving end's decoder and hands the decoded messages to the
// receiving core, whose effects are carried out in order. Delivery is FIFO (a global queue
// of per-end turns) and runs until quiescent. With `chunkSeed` set, each turn delivers a
// seeded-random number of bytes instead of exactly one send, so frames are split across
// reads and several frames share one read: the cores must not care.
import { mulberry32 } from '../../src/util/random.ts';
import { type ClientEffect, ClientCore, type ConnId, type CoreEvent, type Effect, ServerCore } from '../../src/core/index.ts';
import { type DecodedMessage, FrameDecoder } from '../../src/protocol/index.ts';

export type NodeRef = string | number;

export interface TraceEntry {
  seq: number;
  /** name of the sending node */
  from: string;
  /** name of the receiving node */
  to: string;
  fromConn: ConnId;
  toConn: ConnId;
  /** exact frame bytes as decoded on the receiving side */
  raw: Buffer;
  msg: DecodedMessage;
}

export interface NodeEvent {
  node: string;
  event: CoreEvent;
}

interface End {
  node: AnyNode;
  conn: ConnId;
  peer: End;
  decoder: FrameDecoder;
  /** bytes in flight toward this end, oldest first */
  inbox: Buffer[];
  /** the peer closed: deliver closed() once the inbox drains */
  fin: boolean;
  open: boolean;
  /** turns of this end waiting in the global queue */
  tokens: number;
}

interface BaseNode {
  name: string;
  id: number;
  events: CoreEvent[];
}
export interface ServerNode extends BaseNode {
  kind: 'server';
  core: ServerCore;
  ends: Map<ConnId, End>;
}
export interface ClientNode extends BaseNode {
  kind: 'client';
  core: ClientCore;
  end?: End;
}
export interface ProbeNode extends BaseNode {
  kind: 'probe';
  end?: End;
  /** frames the probe received */
  received: DecodedMessage[];
  closedByPeer: boolean;
}
type AnyNode = ServerNode | ClientNode | ProbeNode;



export interface NetOptions {
  /** deliver random-sized chunks (seeded) instead of exactly one send per turn */
  chunkSeed?: number;
  /** safety valve against routing loops */
  maxSteps?: number;
}

export class Net {
  readonly nodes = new Map<string, AnyNode>();
  readonly trace: TraceEntry[] = [];
  readonly events: NodeEvent[] = [];
  /** When true, operations only queue; call run() (or step()) to deliver. */
  paused = false;
  readonly stats = { deliveries: 0, splitFrames: 0, multiFrameReads: 0 };

  private queue: End[] = [];
  private head = 0;
  private nextConn = 1;
  private seq = 0;
  private readonly random: (() => number) | undefined;
  private readonly maxSteps: number;

  constructor(opts: NetOptions = {}) {
    this.random = opts.chunkSeed === undefined ? undefined : mulberry32(opts.chunkSeed);
    this.maxSteps = opts.maxSteps ?? 200_000;
  }

  // ---- building the network ----------------------------------------------------------

  addServer(id: number, name: string, info: string, joinVia?: NodeRef): ServerNode {
    const node: ServerNode = { kind: 'server', name, id, events: [], core: new ServerCore({ id, name, info }), ends: new Map() };
    this.addNode(node);
    if (joinVia !== undefined) this.link(name, joinVia);
    return node;
  }

  /** Open a server-to-server connection: `child` dials (outbound), `parent` accepts. */
  link(child: NodeRef, parent: NodeRef): { childConn: ConnId; parentConn: ConnId } {
    const c = this.server(child);
    const p = this.server(parent);
    const [ce, pe] = this.connect(c, p);
    c.ends.set(ce.conn, ce);
    p.ends.set(pe.conn, pe);
    this.applyServer(p, p.core.opened(pe.conn, false));
    this.applyServer(c, c.core.opened(ce.conn, true));
    this.settle();
    return { childConn: ce.conn, parentConn: pe.conn };
  }

  addClient(id: number, name: string, info: string, server: NodeRef): ClientNode {
    const s = this.server(server);
    const node: ClientNode = { kind: 'client', name, id, events: [], core: new ClientCore({ id, name, info }) };
    this.addNode(node);
    const [ce, se] = this.connect(node, s);
    node.end = ce;
    s.ends.set(se.conn, se);
    this.applyServer(s, s.core.opened(se.conn, false));
    this.applyClient(node, node.core.opened());
    this.settle();
    return node;
  }

  /** A bare peer with no core, connected (inbound) to `server`: for hand-crafted bytes. */
  addProbe(name: string, server: NodeRef): ProbeNode {
    const s = this.server(server);
    const node: ProbeNode = { kind: 'probe', name, id: 0, events: [], received: [], closedByPeer: false };
    this.addNode(node);
    const [pe, se] = this.connect(node, s);
    node.end = pe;
    s.ends.set(se.conn, se);
    this.applyServer(s, s.core.opened(se.conn, false));
    this.settle();
    return node;
  }

  // ---- user actions ------------------------------------------------------------------

  chat(from: NodeRef, destId: number, text: string): void {
    const c = this.client(from);
    this.applyClient(c, c.core.chat(destId, text));
    this.settle();
  }

  quit(client: NodeRef, text = ''): void {
    const c = this.client(client);
    this.applyClient(c, c.core.quit(text));
    this.settle();
  }

  /** The client's connection drops without a quit: the server sees closed(). */
  disconnect(client: NodeRef): void {
    const c = this.client(client);
    const end = c.end;
    if (!end || !end.open) throw new Error(`client ${c.name} is not connected`);
    const se = end.peer;
    this.shut(end);
    this.shut(se);
    c.core.closed();
    this.applyServer(se.node as ServerNode, (se.node as ServerNode).core.closed(se.conn));
    this.settle();
  }

  /** Cut every open connection between servers a and b: both sides see closed(). */
  cut(a: NodeRef, b: NodeRef): void {
    const sa = this.server(a);
    const sb = this.server(b);
    const pairs = [...sa.ends.values()].filter((e) => e.open && e.peer.open && e.peer.node === sb);
    if (pairs.length === 0) throw new Error(`no open link between ${sa.name} and ${sb.name}`);
    for (const ea of pairs) {
      const eb = ea.peer;
      this.shut(ea);
      this.shut(eb);
      this.applyServer(sa, sa.core.closed(ea.conn));
      this.applyServer(sb, sb.core.closed(eb.conn));
    }
    this.settle();
  }

  /** Write raw bytes from `from` to `to` over their open connection (spoofing, replays). */
  inject(from: NodeRef, to: NodeRef, bytes: Buffer): void {
    const f = this.resolve(from);
    const t = this.resolve(to);
    const end = this.endsOf(f).find((e) => e.open && e.peer.open && e.peer.node === t);
    if (!end) throw new Error(`no open connection from ${f.name} to ${t.name}`);
    this.send(end, bytes);
    this.settle();
  }

  // ---- delivery ----------------------------------------------------------------------

  settle(): void {
    if (!this.paused) this.run();
  }

  /** Deliver until nothing is in flight. */
  run(): void {
    let steps = 0;
    while (this.step()) {
      if (++steps > this.maxSteps) throw new Error(`not quiescent after ${this.maxSteps} deliveries (routing loop?)`);
    }
  }

  /** Deliver one turn. Returns false when nothing is in flight. */
  step(): boolean {
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      return false;
    }
    const end = this.queue[this.head++]!;
    end.tokens--;
    if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (!end.open) return true;
    if (end.inbox.length > 0) {
      this.deliver(end, this.take(end));
    } else if (end.fin) {
      end.fin = false;
      this.shut(end);
      this.onClosed(end);
    }
    if (end.open && end.tokens === 0 && (end.inbox.length > 0 || end.fin)) this.push(end);
    return true;
  }

  get inFlight(): boolean {
    return this.head < this.queue.length;
  }

  // ---- views -------------------------------------------------------------------------

  resolve(ref: NodeRef): AnyNode {
    if (typeof ref === 'string') {
      const n = this.nodes.get(ref);
      if (!n) throw new Error(`no node named ${ref}`);
      return n;
    }
    for (const n of this.nodes.values()) if (n.kind !== 'probe' && n.id === ref) return n;
    throw new Error(`no node with id ${ref}`);
  }

  server(ref: NodeRef): ServerNode {
    const n = this.resolve(ref);
    if (n.kind !== 'server') throw new Error(`${n.name} is not a server`);
    return n;
  }

  client(ref: NodeRef): ClientNode {
    const n = this.resolve(ref);
    if (n.kind !== 'client') throw new Error(`${n.name} is not a client`);
    return n;
  }

  probe(ref: string): ProbeNode {
    const n = this.resolve(ref);
    if (n.kind !== 'probe') throw new Error(`${n.name} is not a probe`);
    return n;
  }

  servers(): ServerNode[] {
    return [...this.nodes.values()].filter((n): n is ServerNode => n.kind === 'server');
  }

  clients(): ClientNode[] {
    return [...this.nodes.values()].filter((n): n is ClientNode => n.kind === 'client');
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

  // ---- internals ---------------------------------------------------------------------

  private addNode(node: AnyNode): void {
    if (this.nodes.has(node.name)) throw new Error(`duplicate node name ${node.name}`);
    this.nodes.set(node.name, node);
  }

  private connect(a: AnyNode, b: AnyNode): [End, End] {
    const mk = (node: AnyNode): End => ({
      node, conn: this.nextConn++, peer: undefined as unknown as End, decoder: new FrameDecoder(),
      inbox: [], fin: false, open: true, tokens: 0,
    });
    const ea = mk(a);
    const eb = mk(b);
    ea.peer = eb;
    eb.peer = ea;
    return [ea, eb];
  }

  private endsOf(n: AnyNode): End[] {
    if (n.kind === 'server') return [...n.ends.values()];
    return n.end ? [n.end] : [];
  }

  private push(end: End): void {
    end.tokens++;
    this.queue.push(end);
  }

  private send(from: End, data: Buffer): void {
    if (!from.open) return; // writing on a socket already closed locally: dropped
    const to = from.peer;
    if (!to.open) return;
    to.inbox.push(Buffer.from(data)); // a copy: the sender may not touch what is in flight
    this.push(to);
  }

  /** Close `end` locally; the peer sees closed() after the bytes already in flight to it. */
  private closeFrom(end: End): void {
    if (!end.open) return;
    this.shut(end);
    const peer = end.peer;
    if (peer.open) {
      peer.fin = true;
      this.push(peer);
    }
  }

  private shut(end: End): void {
    end.open = false;
    end.inbox = [];
  }

  private take(end: End): Buffer {
    if (!this.random) return end.inbox.shift()!;
    const total = end.inbox.reduce((n, b) => n + b.length, 0);
    const r = this.random();
    // half the time a small piece (splits headers and bodies), else anything up to all of it
    const n = r < 0.5 ? 1 + Math.floor(this.random() * Math.min(total, 16)) : 1 + Math.floor(this.random() * total);
    const all = Buffer.concat(end.inbox);
    const chunk = all.subarray(0, n);
    const rest = all.subarray(n);
    end.inbox = rest.length > 0 ? [Buffer.from(rest)] : [];
    return Buffer.from(chunk);
  }

  private deliver(end: End, chunk: Buffer): void {
    this.stats.deliveries++;
    const before = end.decoder.buffered;
    const res = end.decoder.feed(chunk);
    if (res.messages.length > 1) this.stats.multiFrameReads++;
    if (end.decoder.buffered > 0 || before > 0) this.stats.splitFrames++;
    for (const msg of res.messages) {
      if (!end.open) break; // the receiver closed this connection while handling an earlier frame
      this.trace.push({
        seq: this.seq++, from: end.peer.node.name, to: end.node.name, fromConn: end.peer.conn, toConn: end.conn,
        raw: Buffer.from(msg.raw), msg,
      });
      const node = end.node;
      if (node.kind === 'server') this.applyServer(node, node.core.received(end.conn, msg));
      else if (node.kind === 'client') this.applyClient(node, node.core.received(msg));
      else node.received.push(msg);
    }
    if (res.error) throw new Error(`decode error at ${end.node.name} (conn ${end.conn}): ${res.error.message}`);
  }

  private onClosed(end: End): void {
    const node = end.node;
    if (node.kind === 'server') this.applyServer(node, node.core.closed(end.conn));
    else if (node.kind === 'client') node.core.closed();
    else node.closedByPeer = true;
  }

  private applyServer(node: ServerNode, effects: Effect[]): void {
    for (const e of effects) {
      if (e.kind === 'event') {
        node.events.push(e.event);
        this.events.push({ node: node.name, event: e.event });
        continue;
      }
      const end = node.ends.get(e.conn);
      if (!end) throw new Error(`${node.name} emitted ${e.kind} on unknown conn ${e.conn}`);
      if (e.kind === 'send') this.send(end, e.data);
      else this.closeFrom(end);
    }
  }

  private applyClient(node: ClientNode, effects: ClientEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'event') {
        node.events.push(e.event);
        this.events.push({ node: node.name, event: e.event });
        continue;
      }
      const end = node.end;
      if (!end) throw new Error(`${node.name} emitted ${e.kind} with no connection`);
      if (e.kind === 'send') this.send(end, e.data);
      else this.closeFrom(end);
    }
  }

  /** Send from a probe's connection (bytes it crafted). */
  probeSend(probe: string, bytes: Buffer): void {
    const p = this.probe(probe);
    if (!p.end) throw new Error(`probe ${probe} has no connection`);
    this.send(p.end, bytes);
    this.settle();
  }
}

/** Sorted copy of numeric ids, for set comparison with a count check. */
export const sortedIds = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
/** Sorted copy of strings, for multiset comparison. */
export const sortedStrs = (xs: Iterable<string>): string[] => [...xs].sort();
