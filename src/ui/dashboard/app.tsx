// The terminal dashboard of `npm start`, put together: the state (fed by the simulation's
// callbacks from the start, so boot progress shows), the ink view, and once the network is
// up the reader, the controller behind the keys, and the frame / sample clock.
import { render } from 'ink';
import type { Topology } from '../../topology/schema.ts';
import { nowMs } from '../../util/clock.ts';
import { type ControllerOptions, DashboardController, type KeyPress } from './controller.ts';
import { LiveLoop } from './live.ts';
import { loadFlows } from './load.ts';
import { type DashboardSim, SimReader } from './reader.ts';
import { ExperimentRecorder } from './recorder.ts';
import { DashboardState, type Snapshot } from './state.ts';
import type { Item } from './tree.ts';
import { DashboardView, ScreenStore } from './view/dashboard-view.tsx';

export interface DashboardOptions extends Omit<ControllerOptions, 'flows' | 'onChange' | 'now'> {
  topology: Topology;
  /** how the user named it (written into experiments) */
  topologySpec: string | Topology;
  seed: number;
  serversPerWorker: number;
  proxied: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** every render in full (a fake terminal: tests and the cost benchmark) */
  debug?: boolean;
  frameMs?: number;
  /** a frame every frameMs even when nothing changed (the cost benchmark's worst case) */
  alwaysDraw?: boolean;
  /** after each ink render, with ink's own time for it (ms) */
  onRender?: (renderMs: number) => void;
}

export class Dashboard {
  readonly state: DashboardState;
  controller: DashboardController | undefined;
  private readonly store = new ScreenStore();
  private readonly loop: LiveLoop;
  private readonly ink: ReturnType<typeof render>;

  constructor(private readonly options: DashboardOptions) {
    this.state = new DashboardState(options.topology, { startedAt: nowMs(), seed: options.seed, proxied: options.proxied });
    this.loop = new LiveLoop(this.state, (s) => this.show(s), {
      frameMs: options.frameMs,
      alwaysDraw: options.alwaysDraw,
      logLines: 100,
      onSample: () => this.controller?.sampleLoad(),
    });
    const t = options.topology;
    const title = `${t.name}: ${t.servers.length} servers, ${t.clients.length} clients · ${options.proxied ? 'every server link through a fault proxy (--direct turns them off)' : 'direct links (--direct): fault keys do nothing'}`;
    this.ink = render(<DashboardView store={this.store} title={title} onKey={(input, key) => this.key(input, key)} />, {
      // ink takes an undefined stream as no stream: name only the ones given
      ...(options.stdout && { stdout: options.stdout }),
      ...(options.stdin && { stdin: options.stdin }),
      exitOnCtrlC: false, patchConsole: !options.debug, maxFps: 10, debug: options.debug ?? false,
      ...(options.onRender && { onRender: (m: { renderTime: number }) => options.onRender!(m.renderTime) }),
    });
    this.loop.start();
  }

  /** The network is up: read it, and let the keys act on it. */
  attach(sim: DashboardSim): DashboardController {
    const o = this.options;
    const recorder = new ExperimentRecorder({ topology: o.topologySpec, seed: o.seed, serversPerWorker: o.serversPerWorker, proxied: o.proxied });
    this.controller = new DashboardController(sim, this.state, recorder, {
      ...o, flows: loadFlows(o.topology), onChange: () => this.loop.requestFrame(),
    });
    this.loop.attach(new SimReader(sim, this.state));
    return this.controller;
  }

  private key(input: string, key: KeyPress): void {
    if (this.controller) return this.controller.press(input, key);
    // Still starting: only quitting means anything yet.
    if (input === 'q' || (key.ctrl && input === 'c')) this.options.onQuit();
  }

  private show(snapshot: Snapshot): void {
    const selected = this.controller?.selection();
    this.store.set({ snapshot, selected, selection: describe(selected, this.state), help: this.controller?.help ?? false });
  }

  /** Stop the load, draw the last frame and leave the terminal; returns that frame. */
  async close(): Promise<Snapshot> {
    await this.controller?.load.stop();
    const last = this.loop.stop();
    this.show(last);
    this.ink.unmount();
    await this.ink.waitUntilExit().catch(() => {});
    return last;
  }
}

function describe(item: Item | undefined, state: DashboardState): string {
  if (!item) return 'nothing selected';
  if (item.kind === 'link') return `link ${item.child}-${item.parent} (${state.nameOf(item.child)}–${state.nameOf(item.parent)}): l c s h x`;
  return `${item.kind} ${state.nameOf(item.id)} (${item.id}): ${item.kind === 'server' ? 'k r' : 'e d j'}`;
}
