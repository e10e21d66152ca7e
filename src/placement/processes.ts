// The processes placement: each server is its own crc-server process (bin/crc-server), on a
// port the OS picks (read back from its stdout), driven only through its control API on the
// monitor port; its events arrive over GET /events. Crash is a SIGKILL, restart a new process
// on the same port. The link proxies run in one crc-proxy process (bin/crc-proxy, driven over
// its HTTP API by proxy-control.ts), or, with `crcProxy: false`, in a network thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProxyEvent } from '../faults/events.ts';
import type { ServerState } from '../net/server-node.ts';
import type { ByteTotals, HostedServerSpec, ServerCounters } from '../threads/worker-api.ts';
import { WorkerCrash, builtUrl } from '../threads/worker-handle.ts';
import { Child } from './child.ts';
import { ServerControl } from './control-client.ts';
import { HttpProxyControl, ProxyLinks } from './proxy-control.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';
import type { Address, LinkNetwork, PlacementHooks, ServerHost } from './types.ts';
import { WorkerLinks } from './worker-links.ts';

/** How long a crc-server may take to print its ports (node's start-up, on a loaded machine). */
export const PROCESS_START_TIMEOUT_MS = 20_000;
/** How long a POST /stop may take before the process is killed. */
const STOP_TIMEOUT_MS = 5000;

interface Running {
  child: Child;
  control: ServerControl;
  events: { close(): void } | undefined;
  address: Address;
}

/** crc-server's flags for a spec: the same options a worker gives its CrcServerNode. */
export function serverArgs(spec: HostedServerSpec): string[] {
  const args = ['--id', String(spec.id), '--servername', spec.name, '--info', spec.info, '--port', String(spec.port ?? 0),
    '--monitor-port', '0', '--hold-events', '--exit-on-stdin-close'];
  if (spec.reconnect) args.push('--reconnect');
  if (spec.traceFrames) args.push('--trace-frames');
  if (spec.recordJoinFrames) args.push('--record-join-frames');
  if (spec.pingIntervalMs) args.push('--ping-interval', String(spec.pingIntervalMs));
  if (spec.pingIntervalMs && spec.pingTimeoutMs) args.push('--ping-timeout', String(spec.pingTimeoutMs));
  if (spec.maxQueueBytes) args.push('--max-sendq', String(spec.maxQueueBytes));
  if (spec.connectTo) args.push('--connect_to_host', spec.connectTo.host, '--connect_to_port', String(spec.connectTo.port));
  return args;
}

export class ProcessServers implements ServerHost {
  readonly kind = 'processes' as const;
  readonly workers = [];
  private readonly running = new Map<string, Running>();
  private network: LinkNetwork | undefined;
  private proxyChild: Child | undefined;
  private readonly script = fileURLToPath(builtUrl('src/cli/crc-server'));
  /** The crc-proxy script to spawn for the links, if there is one. */
  private readonly crcProxy: string | undefined;

  /**
   * `crcProxy` (default true): the links run in one crc-proxy process (bin/crc-proxy, our built
   * one, or a script path), driven over its HTTP API; false: in a network thread of this
   * process instead (worker-links.ts).
   */
  constructor(private readonly hooks: PlacementHooks, options: { crcProxy?: string | boolean } = {}) {
    const ours = fileURLToPath(new URL('../cli/crc-proxy.js', builtUrl('src/cli/crc-server')));
    const want = options.crcProxy ?? true;
    if (want === true && !existsSync(ours)) throw new Error(`placement processes: no built crc-proxy at ${ours} (npm run build)`);
    this.crcProxy = typeof want === 'string' ? want : want ? ours : undefined;
  }

  private get(name: string): Running {
    const r = this.running.get(name);
    if (!r?.child.alive) throw new Error(`server ${name} is not running`);
    return r;
  }

  async start(spec: HostedServerSpec): Promise<Address> {
    if (this.running.get(spec.name)?.child.alive) throw new Error(`a host named ${spec.name} is already running`);
    const label = `crc-server process ${spec.name} (${spec.id})`;
    const child = new Child({
      label, command: process.execPath, args: [this.script, ...serverArgs(spec)],
      onExit: (err) => this.hooks.onCrash?.(new WorkerCrash(err.message)),
    });
    try {
      const [listen, monitor] = await child.waitForLines([/listening on ([^\s]+):(\d+)$/, /^monitor on (http:\/\/[^/\s]+)\//], PROCESS_START_TIMEOUT_MS);
      const control = new ServerControl(label, monitor![1]!, this.hooks.callTimeoutMs);
      const running: Running = { child, control, events: undefined, address: { host: '127.0.0.1', port: Number(listen![2]) } };
      this.running.set(spec.name, running);
      const types = this.hooks.eventTypes ?? 'all';
      if (types === 'all' || types.length > 0) {
        running.events = await control.subscribe((events) => this.hooks.onEvents?.(events), types, () => {});
      }
      return running.address;
    } catch (err) {
      child.kill();
      throw err;
    }
  }

  async join(name: string, target: Address, deadlineMs?: number): Promise<number> {
    return this.get(name).control.join(target, deadlineMs);
  }

  /** SIGKILL: its sockets close as the kernel closes them, nothing is sent. */
  async crash(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r?.child.alive) throw new Error(`crash: ${name} is not running`);
    r.child.kill('SIGKILL');
    await r.child.exited;
  }

  alive(name: string): boolean {
    return this.running.get(name)?.child.alive ?? false;
  }

  colocated(name: string): string[] {
    return this.running.has(name) ? [name] : [];
  }

  async state(name: string): Promise<ServerState> { return this.get(name).control.state(); }
  async counters(name: string): Promise<ServerCounters> { return this.get(name).control.counters(); }

  async totals(): Promise<ByteTotals> {
    const all = await Promise.all([...this.running.values()].filter((r) => r.child.alive).map((r) => r.control.totals()));
    return all.reduce((a, t) => ({ bytesIn: a.bytesIn + t.bytesIn, bytesOut: a.bytesOut + t.bytesOut, pending: a.pending + t.pending }), { bytesIn: 0, bytesOut: 0, pending: 0 });
  }

  async states(): Promise<Record<string, ServerState>> {
    const live = [...this.running].filter(([, r]) => r.child.alive);
    const states = await Promise.all(live.map(([, r]) => r.control.state()));
    return Object.fromEntries(live.map(([name], i) => [name, states[i]!]));
  }

  /** How late each live server process was around [from, to] (GET /lateness); the crc-proxy process is not asked. */
  async lateness(from: number, to: number): Promise<ThreadLateness[]> {
    const live = [...this.running].filter(([, r]) => r.child.alive);
    const each = await Promise.all(live.map(([name, r]) => r.control.lateness(from, to).then((l) => ({ thread: `process ${name}`, ...l }), () => undefined)));
    return each.filter((x): x is ThreadLateness => x !== undefined);
  }

  links(onEvents: (events: ProxyEvent[]) => void): LinkNetwork {
    if (this.network) return this.network;
    if (!this.crcProxy) return (this.network = new WorkerLinks(this.hooks, onEvents));
    // One crc-proxy process for every link, started on first use; its API port is read back.
    const child = new Child({
      label: 'crc-proxy process', command: process.execPath, args: [this.crcProxy, '--port', '0', '--quiet'],
      onExit: (err) => this.hooks.onCrash?.(new WorkerCrash(err.message)),
    });
    this.proxyChild = child;
    const api = child.waitForLines([/^crc-proxy API listening on (http:\/\/\S+)/], PROCESS_START_TIMEOUT_MS).then(([m]) => new HttpProxyControl(m![1]!, this.hooks.callTimeoutMs));
    api.catch(() => child.kill());
    const links = new ProxyLinks(async () => ({ control: await api, listen: '127.0.0.1:0' }), onEvents);
    return (this.network = links);
  }

  /** POST /stop to each (graceful: sockets closed, exit 0); a process that does not exit in time is killed. */
  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].filter((r) => r.child.alive).map(async (r) => {
      r.child.expectExit();
      await r.control.stop().catch(() => {});
      await r.child.waitOrKill(STOP_TIMEOUT_MS);
      r.events?.close();
    }));
    await this.network?.stop();
    this.proxyChild?.kill('SIGTERM');
    await this.proxyChild?.waitOrKill(STOP_TIMEOUT_MS);
  }
}
