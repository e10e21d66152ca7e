// What the timeline did, as the pictures mark it: every action at the time it ran, and the
// windows its faults were in force (a partition until the heal, a link down until it is up,
// a crash until the restart, a toxic until removed; to the end if never undone).
import type { Action } from '../experiment/schema.ts';
import type { EventRecord } from '../experiment/summary.ts';

export interface ActionMark {
  t: number;
  /** ms since the experiment's start */
  rel: number;
  label: string;
  failed: boolean;
}

export interface FaultWindow {
  start: number;
  end: number;
  label: string;
  /** the servers it touches; empty: all of them */
  servers: number[];
  /** a phase of the run (start-up, shutdown) rather than a fault */
  phase?: boolean;
}

export interface Faults {
  actions: ActionMark[];
  windows: FaultWindow[];
  /** when the runner began stopping the network, if it said */
  stopping?: number;
}

const link = (l: string) => l.replace('-', '–');

function actionLabel(a: Action): string {
  switch (a.do) {
    case 'partition': return `partition ${a.groups.map((g) => g.join(',')).join(' | ')}`;
    case 'latency': return `latency ${link(a.link)}: ${a.toxic.attributes.ms} ms${a.toxic.attributes.jitter ? ` ± ${a.toxic.attributes.jitter}` : ''}`;
    case 'toxic': return `toxic ${a.toxic.type} on ${link(a.link)}`;
    case 'remove': return `remove ${a.name} from ${link(a.link)}`;
    case 'down': case 'up': case 'hold': case 'release': return `${a.do} ${link(a.link)}${a.direction === 'both' ? '' : ` (${a.direction})`}`;
    case 'crash': case 'restart': return `${a.do} ${a.server}`;
    case 'quit': case 'disconnect': case 'join': return `${a.do} ${a.client}`;
    case 'heal': return 'heal';
  }
}

/**
 * `clientServer` says where a client is attached, so its absence shades its server's lane.
 * Every window still open at `end` closes there.
 */
export function faultsOf(events: readonly EventRecord[], t0: number, end: number, clientServer: ReadonlyMap<number, number>): Faults {
  const actions: ActionMark[] = [];
  let stopping: number | undefined;
  const windows: FaultWindow[] = [];
  const open = new Map<string, Omit<FaultWindow, 'end'>>();
  const begin = (key: string, t: number, label: string, servers: number[]) => {
    if (!open.has(key)) open.set(key, { start: t, label, servers });
  };
  const close = (key: string, t: number) => {
    const w = open.get(key);
    if (w) windows.push({ ...w, end: t });
    open.delete(key);
  };
  const ends = (l: string) => l.split('-').map(Number).sort((a, b) => a - b);
  for (const e of events) {
    if (e.type === 'experiment-start') windows.push({ start: -Infinity, end: e.t, label: 'start-up', servers: [], phase: true });
    if (e.type === 'experiment-stopping') stopping = e.t;
    if (e.type === 'experiment-stopping') windows.push({ start: e.t, end, label: 'shutting down', servers: [], phase: true });
    if (e.type !== 'action') continue;
    actions.push({ t: e.t, rel: e.t - t0, label: actionLabel(e.spec), failed: e.error !== undefined });
    if (e.error !== undefined) continue;
    const a = e.spec;
    const at = ends('link' in a ? a.link : '0-0');
    const key = `${a.do === 'toxic' || a.do === 'latency' || a.do === 'remove' ? 'toxic' : 'link'}:${at.join('-')}`;
    switch (a.do) {
      case 'partition': begin('partition', e.t, 'partitioned', []); break;
      case 'heal': close('partition', e.t); break;
      case 'down': begin(`${key}:down`, e.t, `${link(a.link)} down`, at); break;
      case 'up': close(`${key}:down`, e.t); break;
      case 'hold': begin(`${key}:hold`, e.t, `${link(a.link)} held`, at); break;
      case 'release': close(`${key}:hold`, e.t); break;
      // The toxic's name as parsed (defaults filled in), as the proxy keeps it.
      case 'latency': begin(`${key}:${a.toxic.name}`, e.t, `${link(a.link)} +${a.toxic.attributes.ms} ms`, at); break;
      case 'toxic': begin(`${key}:${a.toxic.name}`, e.t, `${link(a.link)} ${a.toxic.type}`, at); break;
      case 'remove': close(`${key}:${a.name}`, e.t); break;
      case 'crash': begin(`server:${a.server}`, e.t, `${a.server} crashed`, [a.server]); break;
      case 'restart': close(`server:${a.server}`, e.t); break;
      case 'quit': case 'disconnect': {
        const s = clientServer.get(a.client);
        begin(`client:${a.client}`, e.t, `${a.client} away`, s === undefined ? [] : [s]);
        break;
      }
      case 'join': close(`client:${a.client}`, e.t); break;
    }
  }
  for (const key of [...open.keys()]) close(key, end);
  windows.sort((a, b) => a.start - b.start);
  return { actions, windows, stopping };
}
