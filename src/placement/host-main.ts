// A node process of the hosts placement (hosts.ts spawns it): a share of the servers in
// worker threads of this process (the workers placement, workers.ts, as is), so each process
// has its own descriptor table. Driven over its one IPC channel (host-wire.ts); exits when that
// channel closes, so it cannot outlive the coordinator, even one killed with -9.
import { readdirSync } from 'node:fs';
import type { ProxyEvent } from '../faults/events.ts';
import type { SimEvent } from '../threads/worker-api.ts';
import type { HostApi, HostCall, HostConfig, HostMessage } from './host-wire.ts';
import type { LinkNetwork } from './types.ts';
import { WorkerServers } from './workers.ts';

if (!process.send) throw new Error('host-main: run by the hosts placement, with an IPC channel');
const config = JSON.parse(process.argv[2] ?? '') as HostConfig;
const send = (m: HostMessage, then?: () => void) => process.send!(m, undefined, undefined, then);

/** Events of every thread in one turn go out as one message (digests from 50 threads: one send, not 50). */
let batch: SimEvent[] = [];
function relay(events: SimEvent[]): void {
  if (batch.length === 0) setImmediate(flush);
  for (const e of events) batch.push(e);
}
function flush(): void {
  const events = batch;
  batch = [];
  send({ events });
}

/** Servers of threads already reported dead (each thread is reported once). */
const reported = new Set<string>();

const servers = new WorkerServers({
  eventTypes: config.eventTypes, knowledge: config.knowledge, callTimeoutMs: config.callTimeoutMs,
  onEvents: (events) => relay(events),
  onCrash: (err) => {
    const lost = servers.workers.filter((w) => !w.alive).flatMap((w) => w.hosts).filter((n) => !reported.has(n));
    for (const n of lost) reported.add(n);
    send({ crashed: lost, message: `${config.label}: ${err.message}` });
  },
}, config.serversPerWorker, config.proxyPlacement);

let links: LinkNetwork | undefined;
const network = () => (links ??= servers.links((proxyEvents: ProxyEvent[]) => send({ proxyEvents })));

const api: { [K in keyof HostApi]: (...args: Parameters<HostApi[K]>) => Promise<ReturnType<HostApi[K]>> | ReturnType<HostApi[K]> } = {
  async start(spec, ownWorker) {
    reported.delete(spec.name);
    const started = servers.start(spec, { ownWorker });
    // Its thread is picked before start's first await; later starts may add threads meanwhile.
    const thread = servers.workers.findLast((w) => w.hosts.includes(spec.name))?.label ?? '';
    const { port } = await started;
    return { port, thread };
  },
  join: (name, target, deadlineMs) => servers.join(name, target, deadlineMs),
  async crash(name) {
    const gone = servers.colocated(name);
    for (const n of gone) reported.add(n);
    await servers.crash(name);
    return gone;
  },
  state: (name) => servers.state(name),
  counters: (name) => servers.counters(name),
  totals: () => servers.totals(),
  states: () => servers.states(),
  async lateness(from, to) {
    const each = await Promise.all(servers.workers.map((w) => w.lateness(from, to)));
    return each.filter((x) => x !== undefined).map((l) => ({ ...l, thread: `${config.label} ${l.thread}` }));
  },
  async memory() {
    const live = servers.workers.filter((w) => w.alive);
    const cpu = process.cpuUsage();
    const heaps = await Promise.all(live.map((w) => w.call('heap', (a) => a.heap())));
    return {
      label: config.label, pid: process.pid, rss: process.memoryUsage().rss, peakRss: process.resourceUsage().maxRSS * 1024,
      heapUsed: heaps.map((h) => h.used), fds: readdirSync('/proc/self/fd').length, threads: live.length,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  },
  addProxy: (name, target, role) => network().addProxy(name, target, role),
  change: (name, change) => network().change(name, change),
  toxics: (name) => network().toxics(name),
  stats: (name) => network().stats(name),
  timerLateness: (name, reset) => network().timerLateness!(name, reset),
  async linkLateness(from, to) {
    const each = (await links?.lateness?.(from, to)) ?? [];
    return each.map((l) => ({ ...l, thread: `${config.label} ${l.thread}` }));
  },
  rehome: (faults) => network().rehomeOrphans!((name) => faults[name]),
  async stop() {
    await servers.stop();
  },
};

process.on('message', (m: HostCall) => {
  const fn = api[m.op] as (...args: unknown[]) => unknown;
  Promise.resolve()
    .then(() => fn(...m.args))
    .then(
      (value) => ({ reply: m.id, value }),
      (err: Error) => ({ reply: m.id, error: { name: err.name, message: err.message } }),
    )
    // After stop, the answer is the last thing this process says.
    .then((answer: HostMessage) => send(answer, m.op === 'stop' ? () => process.exit(0) : undefined));
});
// The coordinator is gone (or done with us): nothing may outlive it.
process.on('disconnect', () => process.exit(0));
send({ ready: true });
