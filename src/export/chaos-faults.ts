// The experiment's network faults as Chaos Mesh NetworkChaos specs, each with its window on
// the timeline: partition/heal, down/up of a server link, latency, and the latency and bandwidth
// toxics. What has no Chaos Mesh equivalent (hold, the other toxics, client links, two servers
// in one pod) is reported as a warning, never dropped silently; the Job's driver still does it
// through the proxies.
import { type Action, linkEnds } from '../experiment/schema.ts';
import type { Direction, DirectionSpec } from '../faults/toxic.ts';
import type { DeploymentModel } from './model.ts';
import type { ExportWarning, TimedAction } from './timeline.ts';

export const POD_LABEL = 'crc-sim/pod';

export interface PodSelector {
  namespaces: string[];
  expressionSelectors: Array<{ key: string; operator: 'In'; values: string[] }>;
}

/** A NetworkChaos spec without its duration (the window gives it). */
export interface NetworkChaosSpec {
  action: 'partition' | 'delay' | 'bandwidth';
  mode: 'all';
  selector: PodSelector;
  direction: 'to' | 'from' | 'both';
  target: { mode: 'all'; selector: PodSelector };
  delay?: { latency: string; jitter: string; correlation: string };
  bandwidth?: { rate: string; limit: number; buffer: number };
}

export interface NetFault {
  /** unique, a DNS label: "<kind>-<timeline index>[-<k>]" */
  name: string;
  start: number;
  end: number;
  /** what it stands for, for the manifest's comments */
  note: string;
  spec: NetworkChaosSpec;
}

/** tc's tbf needs a queue and a burst; these are Chaos Mesh's documented example values. */
const TBF_LIMIT_BYTES = 20_971_520;
const TBF_BUFFER_BYTES = 10_000;

/** A duration in the CRD's pattern (^[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)$). */
export function durationText(ms: number): string {
  return Number.isInteger(ms) ? `${ms}ms` : `${Math.round(ms * 1000)}us`;
}

export function mapNetworkFaults(model: DeploymentModel, actions: readonly TimedAction[], endMs: number): { faults: NetFault[]; warnings: ExportWarning[] } {
  const { namespace } = model.options;
  const faults: NetFault[] = [];
  const warnings: ExportWarning[] = [];
  const open = new Map<string, Array<NetFault>>();
  const selector = (pods: Iterable<string>): PodSelector => ({
    namespaces: [namespace],
    expressionSelectors: [{ key: POD_LABEL, operator: 'In', values: [...new Set(pods)].sort() }],
  });
  const between = (from: Iterable<string>, to: Iterable<string>, direction: NetworkChaosSpec['direction'], action: NetworkChaosSpec['action']) =>
    ({ action, mode: 'all' as const, selector: selector(from), direction, target: { mode: 'all' as const, selector: selector(to) } });
  const begin = (key: string, t: TimedAction, list: Array<Omit<NetFault, 'start' | 'end'>>) => {
    finish(key, t.at);
    const started = list.map((f) => ({ ...f, start: t.at, end: endMs }));
    faults.push(...started);
    open.set(key, started);
  };
  const finish = (key: string, at: number) => {
    for (const f of open.get(key) ?? []) f.end = at;
    open.delete(key);
  };
  const warn = (t: TimedAction, message: string) => warnings.push({ path: `timeline.${t.index}`, message });

  /** A server link's ends as (bootstrap a, joiner b), or undefined (warned) if Chaos Mesh cannot act on it. */
  const serverLink = (t: TimedAction, link: string): { a: number; b: number } | undefined => {
    const [x, y] = linkEnds(link);
    const sx = model.servers.get(x);
    const sy = model.servers.get(y);
    if (!sx || !sy) { warn(t, `link ${link} is a client's link: clients run inside the driver Job, so only its proxy can act on it (left out of the Chaos Mesh files)`); return undefined; }
    const [a, b] = sx.join === y ? [y, x] : [x, y];
    if (model.podOf(a) === model.podOf(b)) { warn(t, `link ${link}: both servers are in pod ${model.podOf(a)} (--per-pod), where Chaos Mesh cannot come between them (left out of the Chaos Mesh files)`); return undefined; }
    return { a, b };
  };
  // Chaos Mesh's direction with selector = the joiner's pod, target = the bootstrap's: "to" is upstream.
  const cmDirection = (d: DirectionSpec) => (d === 'both' ? 'both' : d === 'upstream' ? 'to' : 'from');
  const downState = new Map<string, Set<Direction>>();

  for (const t of actions) {
    const a: Action = t.action;
    if (!t.exact && ['partition', 'heal', 'down', 'up', 'latency', 'toxic', 'remove'].includes(a.do)) {
      warn(t, `"${a.do}" has no "at": the Chaos Mesh Workflow places it at ${t.at} ms, the previous entry's time (checks counted as instant), which the live run may reach later`);
    }
    switch (a.do) {
      case 'partition': {
        const groupOf = new Map<number, number>();
        a.groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
        const podGroup = new Map<string, number>();
        const mixed = new Set<string>();
        for (const s of model.servers.values()) {
          const g = groupOf.get(s.id) ?? -1;
          if (podGroup.has(s.pod) && podGroup.get(s.pod) !== g) mixed.add(s.pod);
          podGroup.set(s.pod, g);
        }
        if (mixed.size) { warn(t, `partition splits pod(s) ${[...mixed].join(', ')} (--per-pod): Chaos Mesh acts on whole pods (left out of the Chaos Mesh files)`); finish('partition', t.at); break; }
        // One NetworkChaos per pair of groups joined by a tree link (the only paths traffic takes).
        const pairs = new Set<string>();
        for (const s of model.servers.values()) {
          if (s.join === undefined) continue;
          const [g, h] = [groupOf.get(s.id) ?? -1, groupOf.get(s.join) ?? -1];
          if (g !== h) pairs.add(`${Math.min(g, h)},${Math.max(g, h)}`);
        }
        const podsOf = (g: number) => [...podGroup].filter(([, x]) => x === g).map(([p]) => p);
        const list = [...pairs].sort().map((pair, k) => {
          const [g, h] = pair.split(',').map(Number) as [number, number];
          return { name: `partition-${t.index}${pairs.size > 1 ? `-${k}` : ''}`, note: `timeline.${t.index}: partition ${JSON.stringify(a.groups)}, group ${g < 0 ? '(unlisted)' : g} | group ${h}`, spec: between(podsOf(g), podsOf(h), 'both', 'partition') };
        });
        if (a.mode === 'cut') warn(t, 'a "cut" partition: Chaos Mesh drops packets and leaves connections open (like "mode": "silent"), so only liveness finds it; the proxies close them at once');
        begin('partition', t, list);
        break;
      }
      case 'heal':
        finish('partition', t.at);
        break;
      case 'down':
      case 'up': {
        const l = serverLink(t, a.link);
        if (!l) break;
        const key = `down:${l.a}-${l.b}`;
        const state = new Set(downState.get(key) ?? []);
        for (const d of a.direction === 'both' ? ['upstream', 'downstream'] as const : [a.direction]) {
          if (a.do === 'down') state.add(d); else state.delete(d);
        }
        downState.set(key, state);
        if (a.do === 'down' && a.mode === 'cut') warn(t, `a "cut" down of ${a.link}: Chaos Mesh drops packets and leaves the connections open (like "mode": "silent"), so only liveness finds it`);
        const dir: DirectionSpec | undefined = state.size === 2 ? 'both' : state.size === 1 ? [...state][0] : undefined;
        if (dir === undefined) { finish(key, t.at); break; }
        begin(key, t, [{ name: `down-${t.index}`, note: `timeline.${t.index}: link ${l.a}-${l.b} down (${dir})`, spec: between([model.podOf(l.b)], [model.podOf(l.a)], cmDirection(dir), 'partition') }]);
        break;
      }
      case 'latency':
      case 'toxic': {
        const { type, direction, name, toxicity } = a.toxic;
        const attrs: Record<string, unknown> = a.toxic.attributes;
        if (type !== 'latency' && type !== 'bandwidth') {
          warn(t, `the ${type} toxic has no Chaos Mesh NetworkChaos equivalent: only the proxy does it (left out of the Chaos Mesh files)`);
          break;
        }
        const l = serverLink(t, a.link);
        if (!l) break;
        if (toxicity < 1) warn(t, `toxicity ${toxicity}: Chaos Mesh applies it to every connection, not to a drawn share of them`);
        const key = `toxic:${l.a}-${l.b}:${name}`;
        const [pa, pb] = [model.podOf(l.a), model.podOf(l.b)];
        if (type === 'latency') {
          const jitter = Number(attrs.jitter ?? 0);
          if (jitter > 0) warn(t, `jitter ${jitter} ms: netem draws it in its own shape (Chaos Mesh has no "distribution"; ours is ${String(attrs.distribution ?? 'uniform')}), and may reorder packets`);
          const spec2 = { ...between([pb], [pa], cmDirection(direction), 'delay'), delay: { latency: durationText(Number(attrs.ms)), jitter: durationText(jitter), correlation: '0' } };
          begin(key, t, [{ name: `delay-${t.index}`, note: `timeline.${t.index}: latency ${String(attrs.ms)} ms ± ${jitter} on ${l.a}-${l.b} (${direction})`, spec: spec2 }]);
        } else {
          // tc shapes a pod's egress whatever "direction" says, so each direction is shaped at its sender.
          const dirs = direction === 'both' ? ['upstream', 'downstream'] as const : [direction];
          const rate = `${String(attrs.rate)}kbps`; // tc's kbps is kilobytes/s, as our KB/s (1000 B)
          begin(key, t, dirs.map((d) => ({
            name: `bandwidth-${t.index}${dirs.length > 1 ? `-${d}` : ''}`,
            note: `timeline.${t.index}: bandwidth ${String(attrs.rate)} KB/s on ${l.a}-${l.b} (${d})`,
            spec: { ...(d === 'upstream' ? between([pb], [pa], 'to', 'bandwidth') : between([pa], [pb], 'to', 'bandwidth')), bandwidth: { rate, limit: TBF_LIMIT_BYTES, buffer: TBF_BUFFER_BYTES } },
          })));
        }
        break;
      }
      case 'remove': {
        const [x, y] = linkEnds(a.link);
        const sx = model.servers.get(x);
        const [pa, pb] = sx?.join === y ? [y, x] : [x, y];
        finish(`toxic:${pa}-${pb}:${a.name}`, t.at);
        break;
      }
      case 'hold':
      case 'release':
        warn(t, `"${a.do}" (stall a direction, deliver later) has no Chaos Mesh equivalent: only the proxy does it (left out of the Chaos Mesh files)`);
        break;
      default:
        break; // crash/restart and client actions are not network faults: the driver does them
    }
  }
  return { faults: faults.filter((f) => f.end > f.start), warnings };
}
