// Keys to coordinator actions. Holds the selection (a host or a link, stepped through with the
// arrow keys), runs one action at a time in key order, logs each with its time, and records
// each one that worked so `w` can write them as a replayable experiment.
import { parseToxicSpec } from '../../faults/registry.ts';
import { nowMs } from '../../util/clock.ts';
import type { Flow } from './load.ts';
import { BackgroundLoad } from './load.ts';
import type { DashboardSim } from './reader.ts';
import { type ExperimentRecorder, type RecordedAction } from './recorder.ts';
import type { DashboardState } from './state.ts';
import { type Item, selectableItems } from './tree.ts';

/** The keys the dashboard reads, as ink's useInput reports them. */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  ctrl?: boolean;
}

export interface ControllerOptions {
  flows: readonly Flow[];
  loadRate: number;
  loadSize: number;
  latencyMs: number;
  jitterMs: number;
  recordDir: string;
  /** q or Ctrl-C: stop everything */
  onQuit: () => void;
  /** something changed: draw a frame soon */
  onChange?: () => void;
  now?: () => number;
}

export const KEYS: Array<[string, string]> = [
  ['↑ ↓', 'select a link or a host'],
  ['← →', 'previous / next server'],
  ['t', 'start / stop background load'],
  ['l', 'link: add latency'],
  ['c', 'link: cut / bring back'],
  ['s', 'link: silent partition on / off'],
  ['h', 'link: hold / release'],
  ['x', "link: clear its toxics"],
  ['H', 'heal every link'],
  ['e', 'client: send a quit'],
  ['d', 'client: disconnect'],
  ['j', 'client: join again'],
  ['k', 'server: crash'],
  ['r', 'server: restart'],
  ['w', 'write an experiment of everything done'],
  ['?', 'show / hide the keys'],
  ['q', 'stop every worker and exit'],
];

export class DashboardController {
  selected = 0;
  help = false;
  readonly load: BackgroundLoad;
  /** the last action queued; actions run one after another */
  private queue: Promise<void> = Promise.resolve();
  private latencies = 0;
  private readonly now: () => number;

  constructor(
    private readonly sim: DashboardSim,
    private readonly state: DashboardState,
    private readonly recorder: ExperimentRecorder,
    private readonly options: ControllerOptions,
  ) {
    this.now = options.now ?? nowMs;
    this.load = new BackgroundLoad(sim, options.flows, options.loadRate, options.loadSize);
  }

  items(): Item[] {
    return selectableItems(this.state.rows, (a, b) => this.state.hasLink(a, b));
  }

  selection(): Item | undefined {
    const items = this.items();
    return items[Math.min(this.selected, items.length - 1)];
  }

  /** Resolves when every action queued so far has run (tests; the quit path). */
  idle(): Promise<void> {
    return this.queue;
  }

  press(input: string, key: KeyPress = {}): void {
    if (input === 'q' || (key.ctrl && input === 'c')) return this.options.onQuit();
    if (key.upArrow || key.downArrow) return this.move(key.upArrow ? -1 : 1);
    if (key.leftArrow || key.rightArrow) return this.jumpServer(key.leftArrow ? -1 : 1);
    const sel = this.selection();
    switch (input) {
      case '?': this.help = !this.help; return this.changed();
      case 't': return this.enqueue(() => this.toggleLoad());
      case 'w': return this.enqueue(async () => this.write());
      case 'H': return this.onProxies('heal', () => this.healAll());
      case 'l': case 'c': case 's': case 'h': case 'x':
        if (sel?.kind !== 'link') return this.hint(`${input} acts on a link: select one with ↑ ↓`);
        return this.onProxies(input, () => this.linkKey(input, sel.child, sel.parent));
      case 'e': case 'd': case 'j':
        if (sel?.kind !== 'client') return this.hint(`${input} acts on a client: select one with ↑ ↓`);
        return this.enqueue(() => this.clientKey(input, sel.id));
      case 'k': case 'r':
        if (sel?.kind !== 'server') return this.hint(`${input} acts on a server: select one with ↑ ↓`);
        return this.enqueue(() => this.serverKey(input, sel.id));
      default:
        return;
    }
  }

  private changed(): void {
    this.options.onChange?.();
  }

  private hint(text: string): void {
    this.state.note(this.now(), 'info', text);
    this.changed();
  }

  private move(by: number): void {
    const n = this.items().length;
    this.selected = (Math.min(this.selected, n - 1) + by + n) % n;
    this.changed();
  }

  private jumpServer(by: number): void {
    const items = this.items();
    const n = items.length;
    for (let step = 1; step <= n; step++) {
      const i = (Math.min(this.selected, n - 1) + by * step + n * step) % n;
      if (items[i]!.kind === 'server') {
        this.selected = i;
        break;
      }
    }
    this.changed();
  }

  private onProxies(key: string, fn: () => Promise<void>): void {
    if (!this.state.options.proxied) return this.hint(`${key}: the links are direct (started with --direct), so there is no proxy to inject faults into; start without --direct`);
    this.enqueue(fn);
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((err: Error) => this.state.note(this.now(), 'error', err.message)).then(() => {
      this.state.linksDirty = true;
      this.state.knowledgeDirty = true;
      this.changed();
    });
  }

  /** Log `text` now, run it, and record `action` if it worked. */
  private async act(text: string, action: RecordedAction | undefined, fn: () => Promise<unknown>): Promise<void> {
    const t = this.now();
    this.state.note(t, 'action', text);
    this.changed();
    try {
      await fn();
    } catch (err) {
      this.state.note(this.now(), 'error', `${text} failed: ${(err as Error).message}`);
      return;
    }
    if (action) this.recorder.action(t, action);
  }

  private async linkKey(key: string, child: number, parent: number): Promise<void> {
    const link = this.sim.link(child, parent);
    const name = this.state.linkLabel(`${Math.min(child, parent)}-${Math.max(child, parent)}`);
    const ref = `${child}-${parent}`;
    const f = link.faults();
    switch (key) {
      case 'l': {
        const toxic = { type: 'latency', name: `latency-${++this.latencies}`, direction: 'both' as const, ms: this.options.latencyMs, jitter: this.options.jitterMs, distribution: 'uniform' as const };
        return this.act(`add ${toxic.ms} ms latency (±${toxic.jitter}) to link ${name}`, { do: 'latency', link: ref, ms: toxic.ms, jitter: toxic.jitter, distribution: toxic.distribution, direction: toxic.direction, name: toxic.name }, () => link.add(parseToxicSpec(toxic)));
      }
      case 'c':
        if (f.cut) return this.act(`bring back link ${name}`, { do: 'up', link: ref }, () => link.up('both'));
        return this.act(`cut link ${name}`, { do: 'down', link: ref }, () => link.down('both', 'close'));
      case 's': {
        // A silent partition: both directions drop their bytes, connections stay open, so only
        // the servers' liveness can notice (the 'silent' down mode of the link).
        const silent = f.upstream.down === 'silent' || f.downstream.down === 'silent';
        if (silent) return this.act(`end the silent partition of link ${name}`, { do: 'up', link: ref, direction: 'both', mode: 'silent' }, () => link.up('both', 'silent'));
        return this.act(`partition link ${name} silently (bytes dropped, connections open)`, { do: 'down', link: ref, direction: 'both', mode: 'silent' }, () => link.down('both', 'close', 'silent'));
      }
      case 'h':
        if (f.upstream.held || f.downstream.held) return this.act(`release link ${name}`, { do: 'release', link: ref }, () => link.release('both'));
        return this.act(`hold link ${name}`, { do: 'hold', link: ref }, () => link.hold('both'));
      case 'x':
        if (!f.toxics.length) return this.hint(`link ${name} has no toxics`);
        for (const t of f.toxics) await this.act(`remove toxic ${t} from link ${name}`, { do: 'remove', link: ref, name: t }, () => link.remove(t));
        return;
    }
  }

  /** Every proxied link back to normal: up, released, no toxics. */
  private async healAll(): Promise<void> {
    let done = 0;
    for (const l of this.state.linkList()) {
      if (!l.proxy) continue;
      const link = this.sim.link(l.child, l.parent);
      const ref = `${l.child}-${l.parent}`;
      const name = this.state.linkLabel(`${Math.min(l.child, l.parent)}-${Math.max(l.child, l.parent)}`);
      const f = link.faults();
      const down = f.upstream.down !== undefined || f.downstream.down !== undefined;
      if (f.cut || down) await this.act(`heal: bring back link ${name}`, { do: 'up', link: ref }, () => link.up('both'));
      if (f.upstream.held || f.downstream.held) await this.act(`heal: release link ${name}`, { do: 'release', link: ref }, () => link.release('both'));
      for (const t of f.toxics) await this.act(`heal: remove toxic ${t} from link ${name}`, { do: 'remove', link: ref, name: t }, () => link.remove(t));
      if (f.cut || down || f.upstream.held || f.downstream.held || f.toxics.length) done++;
    }
    if (!done) this.hint('heal: every link is already up, with no toxics');
  }

  private async clientKey(key: string, id: number): Promise<void> {
    const who = `client ${this.state.nameOf(id)} (${id})`;
    switch (key) {
      case 'e': {
        const text = 'bye from the dashboard';
        await this.act(`${who} sends a quit`, { do: 'quit', client: id, text }, () => this.sim.quit(id, text));
        return this.state.markDown([id]);
      }
      case 'd':
        await this.act(`${who} disconnects`, { do: 'disconnect', client: id }, () => this.sim.disconnect(id));
        return this.state.markDown([id]);
      case 'j': {
        const spec = this.sim.topology.clients.find((c) => c.id === id)!;
        return this.act(`${who} joins again`, { do: 'join', client: id }, async () => {
          await this.sim.addClient(spec);
          this.state.markUp([id]);
        });
      }
    }
  }

  private async serverKey(key: string, id: number): Promise<void> {
    const who = `server ${this.state.nameOf(id)} (${id})`;
    if (key === 'k') {
      return this.act(`crash ${who}`, { do: 'crash', server: id }, async () => {
        const gone = await this.sim.crash(id);
        // Its clients are gone with it; a restart brings back the server only (j rejoins them).
        const clients = this.sim.topology.clients.filter((c) => gone.includes(c.server)).map((c) => c.id);
        this.state.markDown([...gone, ...clients]);
      });
    }
    return this.act(`restart ${who}`, { do: 'restart', server: id }, async () => {
      await this.sim.restart(id);
      this.state.markUp([id]);
    });
  }

  private async toggleLoad(): Promise<void> {
    const { flows, rate, size } = this.load;
    if (this.load.on) {
      this.state.note(this.now(), 'action', 'background load: stopping');
      this.recorder.loadStopped(this.now());
      await this.load.stop();
      this.state.note(this.now(), 'action', `background load stopped (${this.load.sent} chats sent)`);
    } else {
      if (!flows.length) return this.hint('background load needs at least two clients');
      this.load.start();
      this.recorder.loadStarted(this.now(), flows, rate, size);
      const pairs = flows.map((f) => `${f.from}→${f.to}`).join(', ');
      this.state.note(this.now(), 'action', `background load on: ${rate} chats/s of ${size} B on each of ${pairs}`);
    }
    this.state.setLoad({ on: this.load.on, flows: flows.length, rate, sent: this.load.sent });
  }

  /** Refresh the load's figures in the state (once a second). */
  sampleLoad(): void {
    this.state.setLoad({ on: this.load.on, flows: this.load.flows.length, rate: this.load.rate, sent: this.load.sent });
  }

  private write(): void {
    const now = this.now();
    const file = this.recorder.write(this.options.recordDir, now, this.state.convergedAt, this.sim.isConverged());
    this.state.note(now, 'action', `wrote ${this.recorder.contents} to ${file}; replay: npm run experiment -- ${file}`);
  }
}
