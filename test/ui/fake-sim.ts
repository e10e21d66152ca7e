// A stand-in for the Simulation facade as the dashboard sees it (DashboardSim): every call is
// written down, links keep their fault state as Links does, knowledge is whatever the test
// sets. Not a test file itself.
import type { LinkFaults, LinkInfo } from '../../src/coordinator/simulation.ts';
import type { DownHow, DownMode } from '../../src/faults/proxy.ts';
import type { DirectionSpec, ToxicInfo } from '../../src/faults/toxic.ts';
import type { DashboardSim } from '../../src/ui/dashboard/reader.ts';
import type { ClientSpec, Topology } from '../../src/topology/schema.ts';

const noFaults = (): LinkFaults => ({ cut: undefined, upstream: { down: undefined, held: false }, downstream: { down: undefined, held: false }, toxics: [] });
const key = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);

export class FakeSim implements DashboardSim {
  readonly calls: string[] = [];
  readonly faults = new Map<string, LinkFaults>();
  readonly known = new Map<number, Set<number>>();
  readonly expected = new Map<number, number[]>();
  converged = true;
  readonly counters_ = new Map<number, { msgsIn: number; msgsOut: number; pending: number }>();

  constructor(readonly topology: Topology, private readonly proxied = true) {
    for (const s of topology.servers) if (s.join !== undefined) this.faults.set(key(s.id, s.join), noFaults());
  }

  port(id: number): number {
    return 40_000 + id;
  }

  linkList(): LinkInfo[] {
    return this.topology.servers.filter((s) => s.join !== undefined).map((s) => ({
      kind: 'server' as const, child: s.id, parent: s.join!, ...(this.proxied ? { proxy: `link-${s.id}-${s.join}` } : {}),
    }));
  }

  link(a: number, b: number) {
    const f = this.faults.get(key(a, b));
    if (!f) throw new Error(`no link ${a}-${b}`);
    const log = (what: string) => this.calls.push(`${what} ${a}-${b}`);
    const dirs = (d: DirectionSpec) => (d === 'both' ? (['upstream', 'downstream'] as const) : [d]);
    return {
      faults: () => structuredClone(f),
      add: async (t: ToxicInfo) => {
        log(`add ${t.type} ${t.name}`);
        f.toxics.push(t.name);
        return t.name;
      },
      remove: async (name: string) => {
        log(`remove ${name}`);
        f.toxics = f.toxics.filter((t) => t !== name);
      },
      // As Links does: fault state per direction; `cut` while some direction is cut.
      down: async (d: DirectionSpec = 'both', how: DownHow = 'close', mode: DownMode = 'cut') => {
        log(mode === 'cut' ? `down ${d}` : `down ${d} ${mode}`);
        for (const x of dirs(d)) f[x].down = mode;
        f.cut = f.upstream.down === 'cut' || f.downstream.down === 'cut' ? how : undefined;
      },
      up: async (d: DirectionSpec = 'both', mode?: DownMode) => {
        log(mode === undefined ? `up ${d}` : `up ${d} ${mode}`);
        for (const x of dirs(d)) if (mode === undefined || f[x].down === mode) f[x].down = undefined;
        if (f.upstream.down !== 'cut' && f.downstream.down !== 'cut') f.cut = undefined;
      },
      hold: async (d: DirectionSpec = 'both') => {
        log(`hold ${d}`);
        for (const x of dirs(d)) f[x].held = true;
      },
      release: async (d: DirectionSpec = 'both') => {
        log(`release ${d}`);
        for (const x of dirs(d)) f[x].held = false;
      },
    };
  }

  async counters(id: number) {
    return this.counters_.get(id) ?? { msgsIn: 0, msgsOut: 0, pending: 0 };
  }
  knownBy(node: number): ReadonlySet<number> {
    return this.known.get(node) ?? new Set();
  }
  expectedOf(node: number): number[] {
    return this.expected.get(node) ?? [];
  }
  isConverged(): boolean {
    return this.converged;
  }
  async crash(id: number): Promise<number[]> {
    this.calls.push(`crash ${id}`);
    return [id];
  }
  async restart(id: number): Promise<void> {
    this.calls.push(`restart ${id}`);
  }
  async quit(id: number, text = ''): Promise<number> {
    this.calls.push(`quit ${id} ${text}`);
    return 0;
  }
  async disconnect(id: number): Promise<number> {
    this.calls.push(`disconnect ${id}`);
    return 0;
  }
  async addClient(c: ClientSpec): Promise<number> {
    this.calls.push(`join ${c.id}`);
    return 0;
  }
  async traffic(from: number, to: number, rate: number, size: number, durationMs: number): Promise<{ sent: number }> {
    this.calls.push(`traffic ${from}->${to} ${rate}/s ${size}B ${durationMs}ms`);
    // Ends at once, as a chunk whose sender is gone does: the load loop waits out the chunk itself.
    return { sent: Math.round((rate * durationMs) / 1000) };
  }
}
