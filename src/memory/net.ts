// An in-memory CRC network: sans-I/O ServerCore / ClientCore instances (and probes: bare peers
// for hand-crafted bytes) joined by in-memory pipes (pipes.ts). A 'send' effect puts encoded
// bytes in flight toward the peer end; delivery feeds them through the receiving end's real
// FrameDecoder and hands the frames to the receiving core, whose effects are carried out in
// order. Everything is synchronous and deterministic: no sockets, no timers. Unless `paused`,
// every operation delivers until quiescent before it returns.
import { type ClientEffect, ClientCore, type CoreEvent, type Effect, ServerCore } from '../core/index.ts';
import type { MemoryClient, MemoryEnd, MemoryNode, MemoryProbe, MemoryServer, NodeRef, TraceEntry, TracedEvent } from './nodes.ts';
import { Pipes } from './pipes.ts';
import { NetView } from './view.ts';

export interface MemoryNetOptions {
  /** deliver random-sized chunks (seeded) instead of exactly one send per turn */
  chunkSeed?: number;
  /** safety valve against routing loops */
  maxSteps?: number;
  /** keep a copy of every delivered frame in `trace` (default true) */
  trace?: boolean;
}

export class MemoryNet extends NetView {
  /** When true, operations only queue; call run() (or step()) to deliver. */
  paused = false;
  readonly stats = { deliveries: 0, splitFrames: 0, multiFrameReads: 0 };

  private readonly pipes: Pipes<MemoryNode>;
  private seq = 0;
  private readonly maxSteps: number;
  private readonly keepTrace: boolean;

  constructor(opts: MemoryNetOptions = {}) {
    super();
    this.pipes = new Pipes<MemoryNode>({ data: (end, chunk) => this.deliver(end, chunk), closed: (end) => this.onClosed(end) }, opts.chunkSeed);
    this.maxSteps = opts.maxSteps ?? 200_000;
    this.keepTrace = opts.trace ?? true;
  }

  // ---- building the network ----------------------------------------------------------

  addServer(id: number, name: string, info: string, joinVia?: NodeRef): MemoryServer {
    const node: MemoryServer = {
      kind: 'server', name, id, events: [], core: new ServerCore({ id, name, info }), ends: new Map(),
      joinFrames: [], awaitingFirstFrame: new Set(),
    };
    this.addNode(node);
    if (joinVia !== undefined) this.link(name, joinVia);
    return node;
  }

  /** Open a server-to-server connection: `child` dials (outbound), `parent` accepts. */
  link(child: NodeRef, parent: NodeRef): { childConn: number; parentConn: number } {
    const c = this.server(child);
    const p = this.server(parent);
    const [ce, pe] = this.pipes.connect(c, p);
    c.ends.set(ce.conn, ce);
    this.accept(p, pe);
    this.apply(c, c.core.opened(ce.conn, true));
    this.settle();
    return { childConn: ce.conn, parentConn: pe.conn };
  }

  addClient(id: number, name: string, info: string, server: NodeRef): MemoryClient {
    const s = this.server(server);
    const node: MemoryClient = { kind: 'client', name, id, events: [], core: new ClientCore({ id, name, info }) };
    this.addNode(node);
    const [ce, se] = this.pipes.connect(node, s);
    node.end = ce;
    this.accept(s, se);
    this.apply(node, node.core.opened());
    this.settle();
    return node;
  }

  /** A bare peer with no core, connected (inbound) to `server`: for hand-crafted bytes. */
  addProbe(name: string, server: NodeRef): MemoryProbe {
    const s = this.server(server);
    const node: MemoryProbe = { kind: 'probe', name, id: 0, events: [], received: [], closedByPeer: false };
    this.addNode(node);
    const [pe, se] = this.pipes.connect(node, s);
    node.end = pe;
    this.accept(s, se);
    this.settle();
    return node;
  }

  // ---- user actions ------------------------------------------------------------------

  chat(from: NodeRef, destId: number, text: string): void {
    const c = this.client(from);
    this.apply(c, c.core.chat(destId, text));
    this.settle();
  }

  quit(client: NodeRef, text = ''): void {
    const c = this.client(client);
    this.apply(c, c.core.quit(text));
    this.settle();
  }

  /** The client's connection drops without a quit: the server sees closed(). */
  disconnect(client: NodeRef): void {
    const c = this.client(client);
    const end = c.end;
    if (!end || !end.open) throw new Error(`client ${c.name} is not connected`);
    const se = end.peer;
    this.pipes.shut(end);
    this.pipes.shut(se);
    c.core.closed();
    this.onServerClosed(se.node as MemoryServer, se);
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
      this.pipes.shut(ea);
      this.pipes.shut(eb);
      this.onServerClosed(sa, ea);
      this.onServerClosed(sb, eb);
    }
    this.settle();
  }

  /** Write raw bytes from `from` to `to` over their open connection (spoofing, replays). */
  inject(from: NodeRef, to: NodeRef, bytes: Buffer): void {
    const f = this.resolve(from);
    const t = this.resolve(to);
    const end = this.endsOf(f).find((e) => e.open && e.peer.open && e.peer.node === t);
    if (!end) throw new Error(`no open connection from ${f.name} to ${t.name}`);
    this.pipes.send(end, bytes);
    this.settle();
  }

  /** Send from a probe's connection (bytes it crafted). */
  probeSend(probe: string, bytes: Buffer): void {
    const p = this.probe(probe);
    if (!p.end) throw new Error(`probe ${probe} has no connection`);
    this.pipes.send(p.end, bytes);
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
    return this.pipes.step();
  }

  get inFlight(): boolean {
    return this.pipes.inFlight;
  }

  // ---- internals ---------------------------------------------------------------------

  private addNode(node: MemoryNode): void {
    if (this.nodes.has(node.name)) throw new Error(`duplicate node name ${node.name}`);
    this.nodes.set(node.name, node);
  }

  /** `server` accepts the connection whose server-side end is `end`. */
  private accept(server: MemoryServer, end: MemoryEnd): void {
    server.ends.set(end.conn, end);
    server.awaitingFirstFrame.add(end.conn);
    this.apply(server, server.core.opened(end.conn, false));
  }

  private deliver(end: MemoryEnd, chunk: Buffer): void {
    this.stats.deliveries++;
    const before = end.decoder.buffered;
    const res = end.decoder.feed(chunk);
    if (res.messages.length > 1) this.stats.multiFrameReads++;
    if (end.decoder.buffered > 0 || before > 0) this.stats.splitFrames++;
    const node = end.node;
    // As the TCP server does: the first frame of the first read that held any.
    if (node.kind === 'server' && res.messages.length > 0 && node.awaitingFirstFrame.delete(end.conn)) {
      node.joinFrames.push(res.messages[0]!.raw.toString('hex'));
    }
    for (const msg of res.messages) {
      if (!end.open) break; // the receiver closed this connection while handling an earlier frame
      if (this.keepTrace) {
        this.trace.push({
          seq: this.seq++, from: end.peer.node.name, to: node.name, fromConn: end.peer.conn, toConn: end.conn,
          raw: Buffer.from(msg.raw), msg,
        });
      }
      if (node.kind === 'server') this.apply(node, node.core.received(end.conn, msg));
      else if (node.kind === 'client') this.apply(node, node.core.received(msg));
      else node.received.push(msg);
    }
    if (res.error) throw new Error(`decode error at ${node.name} (conn ${end.conn}): ${res.error.message}`);
  }

  private onClosed(end: MemoryEnd): void {
    const node = end.node;
    if (node.kind === 'server') this.onServerClosed(node, end);
    else if (node.kind === 'client') node.core.closed();
    else node.closedByPeer = true;
  }

  private onServerClosed(server: MemoryServer, end: MemoryEnd): void {
    server.awaitingFirstFrame.delete(end.conn);
    this.apply(server, server.core.closed(end.conn));
  }

  private apply(node: MemoryServer | MemoryClient, effects: Array<Effect | ClientEffect>): void {
    for (const e of effects) {
      if (e.kind === 'event') {
        this.record(node, e.event);
        continue;
      }
      const end = 'conn' in e ? (node as MemoryServer).ends.get(e.conn) : (node as MemoryClient).end;
      if (!end) throw new Error(`${node.name} emitted ${e.kind} on ${'conn' in e ? `unknown conn ${e.conn}` : 'no connection'}`);
      if (e.kind === 'send') this.pipes.send(end, e.data);
      else this.pipes.closeFrom(end);
    }
  }

  private record(node: MemoryNode, event: CoreEvent): void {
    node.events.push(event);
    this.events.push({ node: node.name, event });
  }
}

export type { MemoryClient, MemoryNode, MemoryProbe, MemoryServer, NodeRef, TraceEntry, TracedEvent };
