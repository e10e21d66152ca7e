// The sim's link proxies, as a LinkNetwork (placement/types.ts) so the coordinator's Links
// drives them exactly as it drives real ones: each proxy listens on a sim port, pairs every
// connection it accepts with a dial to its target, and runs the same faults as
// faults/proxy.ts (toxics from the registry in a ToxicCollection; down cut/silent per direction,
// new connections refused while cut; hold/release), on the sim's clock, with the same events.
// This is the one file to swap for the in-memory LinkProxy of src/faults once it exists.
import type { ProxyEvent } from '../faults/events.ts';
import type { DownHow, DownMode, ProxyStats } from '../faults/proxy.ts';
import { ToxicCollection, type ToxicTarget } from '../faults/toxic-collection.ts';
import { DIRECTIONS, type Direction, type DirectionSpec, type ToxicInfo, type ToxicSpec, directionsOf } from '../faults/toxic.ts';
import type { Address, LinkNetwork, ProxyRole } from '../placement/types.ts';
import type { Clock } from '../util/clock.ts';
import { type SimPorts, SIM_HOST } from './ports.ts';
import { type Gate, type PipeOwner, ProxyPipe } from './proxy-pipe.ts';
import type { SimStream } from './stream.ts';

/** One proxied connection: the child's end (accepted) and the target's (dialled), a pipe each way. */
class ProxyConn implements PipeOwner, ToxicTarget {
  isOpen = true;
  readonly pipes: Record<Direction, ProxyPipe>;
  constructor(readonly id: number, private readonly p: SimProxy, private readonly child: SimStream, private readonly target: SimStream) {
    this.pipes = {
      upstream: new ProxyPipe(this, 'upstream', child, target, p.gateOf('upstream')),
      downstream: new ProxyPipe(this, 'downstream', target, child, p.gateOf('downstream')),
    };
    // A close from one side walks its direction's chain (then closes the other side); the other direction stops.
    child.onClose = () => this.sideClosed('upstream');
    target.onClose = () => this.sideClosed('downstream');
  }
  get proxy(): string { return this.p.name; }
  get seed(): number { return this.p.seed; }
  get clock(): Clock { return this.p.clock; }
  pipe(d: Direction): ProxyPipe { return this.pipes[d]; }

  private sideClosed(from: Direction): void {
    if (!this.isOpen) return;
    const other: Direction = from === 'upstream' ? 'downstream' : 'upstream';
    this.pipes[other].teardown();
    this.pipes[from].srcEnded();
    if (!this.child.open && !this.target.open) this.finish('closed');
  }

  close(reason: string): void {
    this.finish(reason);
  }

  reset(reason: string): void {
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const d of DIRECTIONS) this.pipes[d].teardown();
    this.child.destroy();
    this.target.destroy();
    this.p.closed(this, reason);
  }
}

class SimProxy {
  readonly toxics: ToxicCollection;
  readonly conns = new Set<ProxyConn>();
  readonly down: Partial<Record<Direction, { how: DownHow; mode: DownMode }>> = {};
  readonly held = new Set<Direction>();
  private nextConn = 1;
  readonly totals = { connections: 0, refused: 0 };
  readonly port: number;

  constructor(readonly name: string, readonly target: Address, readonly seed: number, readonly clock: Clock, private readonly ports: SimPorts, private readonly emit: (e: ProxyEvent) => void) {
    this.toxics = new ToxicCollection(name, seed);
    this.port = ports.listen((end) => this.accept(end));
  }

  event(e: Record<string, unknown>): void {
    this.emit({ ...e, proxy: this.name, t: this.clock.now() } as ProxyEvent);
  }

  gateOf(d: Direction): Gate {
    const down = this.down[d];
    return down?.mode === 'silent' ? 'drop' : this.held.has(d) ? 'hold' : 'open';
  }

  private refusing(): DownHow | undefined {
    for (const d of DIRECTIONS) if (this.down[d]?.mode === 'cut') return this.down[d]!.how;
    return undefined;
  }

  private accept(child: SimStream): void {
    const how = this.refusing();
    if (how) {
      this.totals.refused++;
      this.event({ type: 'proxy-conn-refused', remote: 'sim', how });
      child.destroy();
      return;
    }
    const target = this.ports.dial(this.target.port);
    if (!target) {
      child.destroy(); // nothing listens behind the proxy: the dialler sees a close, as with a real one
      return;
    }
    const c = new ProxyConn(this.nextConn++, this, child, target);
    this.conns.add(c);
    this.totals.connections++;
    this.toxics.attach(c);
    this.event({ type: 'proxy-conn-opened', conn: c.id, remote: 'sim' });
  }

  closed(c: ProxyConn, reason: string): void {
    this.conns.delete(c);
    this.toxics.detach(c);
    this.event({ type: 'proxy-conn-closed', conn: c.id, reason, bytesUp: c.pipes.upstream.bytesOut, bytesDown: c.pipes.downstream.bytesOut });
  }

  regate(): void {
    for (const c of this.conns) for (const d of DIRECTIONS) c.pipes[d].setGate(this.gateOf(d));
  }

  stats(): ProxyStats {
    const dir = (d: Direction) => {
      let out = { in: 0, out: 0, queued: 0, dropped: 0, buffered: 0 };
      for (const c of this.conns) {
        const p = c.pipes[d];
        out = { in: out.in + p.bytesIn, out: out.out + p.bytesOut, queued: out.queued + p.queued, dropped: out.dropped + p.dropped, buffered: out.buffered + p.pressure() };
      }
      return out;
    };
    return {
      name: this.name, port: this.port, target: this.target,
      connections: { open: this.conns.size, total: this.totals.connections, refused: this.totals.refused },
      upstream: dir('upstream'), downstream: dir('downstream'),
      down: this.refusing(),
      cut: DIRECTIONS.filter((d) => this.down[d]?.mode === 'cut'),
      silent: DIRECTIONS.filter((d) => this.down[d]?.mode === 'silent'),
      held: DIRECTIONS.filter((d) => this.held.has(d)),
      toxics: this.toxics.list(),
    };
  }
}

export class SimLinkProxies implements LinkNetwork {
  private readonly proxies = new Map<string, SimProxy>();

  constructor(private readonly ports: SimPorts, private readonly onEvents: (events: ProxyEvent[]) => void) {}

  private get(name: string): SimProxy {
    const p = this.proxies.get(name);
    if (!p) throw new Error(`no sim proxy named ${name}`);
    return p;
  }

  async addProxy(name: string, target: Address, role: ProxyRole): Promise<Address> {
    if (this.proxies.has(name)) throw new Error(`a sim proxy named ${name} exists`);
    const p = new SimProxy(name, target, role.seed, this.ports.clock, this.ports, (e) => this.onEvents([e]));
    this.proxies.set(name, p);
    return { host: SIM_HOST, port: p.port };
  }

  async addToxic(name: string, spec: ToxicSpec): Promise<string> {
    const p = this.get(name);
    const info = p.toxics.add(spec);
    p.event({ type: 'toxic-added', toxic: info.name, toxicType: info.type, direction: info.direction, toxicity: info.toxicity });
    return info.name;
  }

  async removeToxic(name: string, toxic: string): Promise<void> {
    const p = this.get(name);
    p.toxics.remove(toxic);
    p.event({ type: 'toxic-removed', toxic });
  }

  async updateToxic(name: string, toxic: string, attributes: Record<string, unknown>): Promise<ToxicInfo> {
    const p = this.get(name);
    const info = p.toxics.update(toxic, attributes);
    p.event({ type: 'toxic-updated', toxic, attributes: info.attributes });
    return info;
  }

  async toxics(name: string): Promise<ToxicInfo[]> {
    return this.get(name).toxics.list();
  }

  async down(name: string, direction: DirectionSpec, how: DownHow, mode: DownMode): Promise<void> {
    const p = this.get(name);
    for (const d of directionsOf(direction)) p.down[d] = { how, mode };
    p.event({ type: 'link-down', direction, how, mode });
    if (mode === 'cut') for (const c of [...p.conns]) c.close(`link down (${how})`);
    else p.regate();
  }

  async up(name: string, direction: DirectionSpec, mode?: DownMode): Promise<void> {
    const p = this.get(name);
    for (const d of directionsOf(direction)) if (mode === undefined || p.down[d]?.mode === mode) delete p.down[d];
    p.event({ type: 'link-up', direction, ...(mode ? { mode } : {}) });
    p.regate();
  }

  async hold(name: string, direction: DirectionSpec): Promise<void> {
    const p = this.get(name);
    for (const d of directionsOf(direction)) p.held.add(d);
    p.event({ type: 'link-hold', direction });
    p.regate();
  }

  async release(name: string, direction: DirectionSpec): Promise<void> {
    const p = this.get(name);
    for (const d of directionsOf(direction)) p.held.delete(d);
    p.event({ type: 'link-release', direction });
    p.regate();
  }

  async stats(name: string): Promise<ProxyStats> {
    return this.get(name).stats();
  }

  async stop(): Promise<void> {
    for (const p of this.proxies.values()) for (const c of [...p.conns]) c.close('stopped');
  }
}
