// Runs an experiment: start the topology (server links through the fault proxies), wait for
// convergence, then play the timeline against a clock while traffic flows, and record every
// event. Writes results/experiments/<name>/<timestamp>/{events.jsonl, summary.json, summary.md}.
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { ConvergenceTimeout, Simulation } from '../coordinator/simulation.ts';
import { parseTrafficText } from '../coordinator/traffic-text.ts';
import { nowMs } from '../util/clock.ts';
import { resolveTopology } from '../topology/generate.ts';
import { type Topology, parseTopology } from '../topology/schema.ts';
import { machineInfo } from '../util/machine.ts';
import { type Action, type Check, type Experiment, ExperimentError, isCheck } from './schema.ts';

export interface CheckResult {
  index: number;
  check: string;
  /** ms after the experiment's start when the clock for this check started */
  startMs: number;
  withinMs: number;
  /** how long it took, ms (null: it never happened within the limit) */
  tookMs: number | null;
  passed: boolean;
  detail?: string;
}

export interface FlowResult {
  from: number;
  to: number;
  rate: number;
  size: number;
  sent: number;
  delivered: number;
  /** sent but never delivered (e.g. lost to a cut link or a netsplit) */
  lost: number;
  latencyMs: { p50: number; p99: number; max: number } | null;
}

export interface ExperimentSummary {
  name: string;
  description?: string;
  seed: number;
  file: string;
  command: string;
  started: string;
  folder: string;
  machine: ReturnType<typeof machineInfo>;
  topology: { name: string; servers: number; clients: number; serversPerWorker: number; proxiedLinks: number; directLinks: number };
  initialConvergenceMs: number;
  durationMs: number;
  actions: Array<{ index: number; at: number; did: string; lateMs: number; error?: string }>;
  checks: CheckResult[];
  traffic: FlowResult[];
  passed: boolean;
}

export interface RunExperimentOptions {
  file: string;
  command: string;
  /** results/experiments by default */
  outDir?: string;
  log?: (line: string) => void;
}

/** Sleep until wall time t (ms): a timer for the bulk, then turns of the loop, never early. */
async function sleepUntil(t: number): Promise<void> {
  const left = t - nowMs();
  if (left > 2) await new Promise((r) => setTimeout(r, left - 1));
  while (nowMs() < t) await new Promise((r) => setImmediate(r));
}

function describe(e: Action | Check): string {
  if (isCheck(e)) return `expect ${e.expect}${'id' in e ? ` ${e.id}` : ''}${'by' in e && e.by ? ` by servers ${e.by.join(',')}` : ''} within ${e.within} ms`;
  const { at: _at, do: what, ...rest } = e as Action & { at?: number };
  return `${what} ${JSON.stringify(rest)}`;
}

function linkIds(link: string): [number, number] {
  const [a, b] = link.split('-').map(Number) as [number, number];
  return [a, b];
}

export async function runExperiment(exp: Experiment, opts: RunExperimentOptions): Promise<ExperimentSummary> {
  const log = opts.log ?? (() => {});
  const topology: Topology = typeof exp.topology === 'string' ? resolveTopology(exp.topology) : parseTopology(exp.topology, `${opts.file}: topology`);
  const serverIds = new Set(topology.servers.map((s) => s.id));
  const clientIds = new Set(topology.clients.map((c) => c.id));
  // Validate references before starting anything.
  const where = (i: number) => `${opts.file}: timeline.${i}`;
  exp.timeline.forEach((e, i) => {
    if (isCheck(e)) {
      for (const [k, sid] of ('by' in e && e.by ? e.by : []).entries()) {
        if (!serverIds.has(sid)) throw new ExperimentError(`${where(i)}.by.${k}: no server ${sid} in ${topology.name}`);
      }
      return;
    }
    if ('link' in e) {
      const [a, b] = linkIds(e.link);
      const linked = topology.servers.some((s) => (s.id === a && s.join === b) || (s.id === b && s.join === a));
      const client = topology.clients.find((c) => (c.id === a && c.server === b) || (c.id === b && c.server === a));
      if (!linked && !client) throw new ExperimentError(`${where(i)}.link: no link between ${a} and ${b} in ${topology.name}`);
      if (client && exp.proxyClients !== 'all' && !exp.proxyClients.includes(client.id)) {
        throw new ExperimentError(`${where(i)}.link: client ${client.id}'s link is direct; list it in proxyClients`);
      }
    }
    if ('server' in e && !serverIds.has(e.server)) throw new ExperimentError(`${where(i)}.server: no server ${e.server} in ${topology.name}`);
    if ('client' in e && !clientIds.has(e.client)) throw new ExperimentError(`${where(i)}.client: no client ${e.client} in ${topology.name}`);
  });
  exp.traffic.forEach((f, i) => {
    if (!clientIds.has(f.from)) throw new ExperimentError(`${opts.file}: traffic.${i}.from: no client ${f.from} in ${topology.name}`);
    if (!clientIds.has(f.to)) throw new ExperimentError(`${opts.file}: traffic.${i}.to: no client ${f.to} in ${topology.name}`);
  });

  // Times: entries without `at` run right after the previous one.
  let last = 0;
  const timeline = exp.timeline.map((e, index) => {
    const at = e.at ?? last;
    last = at;
    return { e, at, index };
  });
  timeline.sort((x, y) => x.at - y.at || x.index - y.index);
  const endMs = exp.duration ?? Math.max(last + 1000, ...exp.traffic.map((f) => f.stop ?? 0));

  const started = new Date();
  const folder = join(opts.outDir ?? 'results/experiments', exp.name, started.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(folder, { recursive: true });
  const events = createWriteStream(join(folder, 'events.jsonl'));
  let t0 = 0;
  const record = (o: Record<string, unknown>) => events.write(JSON.stringify({ ...o, rel: t0 ? +((Number(o.t ?? nowMs()) - t0).toFixed(3)) : null }) + '\n');

  // Traffic deliveries, matched from the receivers' chat-delivered events.
  const flows = exp.traffic.map((f, i) => ({ ...f, tag: `f${i}-`, sent: 0, delivered: 0, latency: createHistogram() }));
  const proxied = exp.proxyLinks === 'all' ? 'all' as const : exp.proxyLinks.map(linkIds);
  const sim = await Simulation.start({
    topology,
    seed: exp.seed,
    serversPerWorker: exp.serversPerWorker,
    proxyLinks: proxied,
    proxyClients: exp.proxyClients,
    onEvent: (e) => {
      if (e.type === 'chat-delivered') {
        const stamp = parseTrafficText(e.content);
        const flow = stamp ? flows.find((f) => f.tag === stamp.tag) : undefined;
        if (flow) {
          flow.delivered++;
          flow.latency.record(Math.max(1, Math.round((e.t - stamp!.sentAt) * 1000)));
          return; // traffic is summarised, not logged chat by chat
        }
      }
      record(e as unknown as Record<string, unknown>);
    },
    onProxyEvent: (e) => record(e as unknown as Record<string, unknown>),
    onCrash: (m) => log(`CRASH: ${m}`),
  });
  const summary: ExperimentSummary = {
    name: exp.name, description: exp.description, seed: exp.seed, file: opts.file, command: opts.command, started: started.toISOString(), folder,
    machine: machineInfo(),
    topology: {
      name: topology.name, servers: topology.servers.length, clients: topology.clients.length, serversPerWorker: exp.serversPerWorker,
      proxiedLinks: sim.linkList().filter((l) => l.proxy).length,
      directLinks: sim.linkList().filter((l) => !l.proxy).length + topology.clients.length - sim.linkList().filter((l) => l.kind === 'client').length,
    },
    initialConvergenceMs: 0, durationMs: endMs, actions: [], checks: [], traffic: [], passed: false,
  };
  try {
    const c0 = performance.now();
    await sim.converged({ timeoutMs: 60_000 });
    summary.initialConvergenceMs = performance.now() - c0;
    log(`${exp.name}: ${topology.name} converged in ${summary.initialConvergenceMs.toFixed(0)} ms; running for ${(endMs / 1000).toFixed(1)} s`);
    t0 = nowMs();
    record({ type: 'experiment-start', t: t0, name: exp.name, seed: exp.seed });

    const trafficDone = flows.map(async (f) => {
      await sleepUntil(t0 + f.start);
      const stop = Math.min(f.stop ?? endMs, endMs);
      const r = await sim.traffic(f.from, f.to, f.rate, f.size, Math.max(0, stop - f.start), f.tag).catch((err: Error) => {
        log(`traffic ${f.from}->${f.to}: ${err.message}`);
        return { sent: 0 };
      });
      f.sent = r.sent;
    });

    const checks: Array<Promise<CheckResult>> = [];
    let lastActionStart = t0;
    for (const { e, at, index } of timeline) {
      await sleepUntil(t0 + at);
      if (isCheck(e)) {
        // A check's clock starts at its own time, or with the action it follows.
        const start = e.at === undefined ? lastActionStart : t0 + at;
        checks.push(runCheck(sim, e, index, start, t0).then((r) => {
          record({ type: 'check', t: nowMs(), ...r });
          log(`${r.passed ? 'PASS' : 'FAIL'} ${r.check}: ${r.tookMs === null ? 'did not happen' : `${r.tookMs.toFixed(1)} ms`}${r.detail ? ` (${r.detail})` : ''}`);
          return r;
        }));
        continue;
      }
      const begin = nowMs();
      lastActionStart = begin;
      const did = describe(e);
      const entry: ExperimentSummary['actions'][number] = { index, at, did, lateMs: +(begin - (t0 + at)).toFixed(3) };
      try {
        await runAction(sim, topology, e);
      } catch (err) {
        entry.error = (err as Error).message;
        log(`action ${did} failed: ${entry.error}`);
      }
      record({ type: 'action', t: begin, ...entry });
      summary.actions.push(entry);
      log(`${((begin - t0) / 1000).toFixed(3)} s: ${did}`);
    }
    await sleepUntil(t0 + endMs);
    await Promise.all(trafficDone);
    summary.checks = await Promise.all(checks);
    // Let the last chats arrive (bounded) before counting losses.
    const settle = nowMs() + 2000;
    while (flows.some((f) => f.delivered < f.sent) && nowMs() < settle) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await sim.stop();
    record({ type: 'experiment-end', t: nowMs() });
    await new Promise((r) => events.end(r));
  }
  summary.traffic = flows.map((f) => ({
    from: f.from, to: f.to, rate: f.rate, size: f.size, sent: f.sent, delivered: f.delivered, lost: Math.max(0, f.sent - f.delivered),
    latencyMs: f.latency.count ? { p50: f.latency.percentile(50) / 1000, p99: f.latency.percentile(99) / 1000, max: f.latency.max / 1000 } : null,
  }));
  summary.passed = summary.checks.every((c) => c.passed) && summary.actions.every((a) => !a.error);
  writeFileSync(join(folder, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(folder, 'summary.md'), summaryMarkdown(summary));
  return summary;
}

async function runAction(sim: Simulation, topology: Topology, e: Action): Promise<void> {
  switch (e.do) {
    case 'latency': {
      const [a, b] = linkIds(e.link);
      await sim.link(a, b).add({ type: 'latency', name: e.name ?? `latency_${e.direction}`, direction: e.direction, ms: e.ms, jitter: e.jitter, distribution: e.distribution });
      return;
    }
    case 'toxic': {
      const [a, b] = linkIds(e.link);
      await sim.link(a, b).add(e.toxic as { type: string });
      return;
    }
    case 'remove':
      return sim.link(...linkIds(e.link)).remove(e.name);
    case 'down':
      return sim.link(...linkIds(e.link)).down(e.direction, e.how);
    case 'up':
      return sim.link(...linkIds(e.link)).up(e.direction);
    case 'hold':
      return sim.link(...linkIds(e.link)).hold(e.direction);
    case 'release':
      return sim.link(...linkIds(e.link)).release(e.direction);
    case 'partition':
      await sim.partition(e.groups);
      return;
    case 'heal':
      return sim.heal();
    case 'crash':
      await sim.crash(e.server);
      return;
    case 'restart':
      return sim.restart(e.server);
    case 'quit':
      await sim.quit(e.client, e.text);
      return;
    case 'disconnect':
      await sim.disconnect(e.client);
      return;
    case 'join':
      await sim.addClient(topology.clients.find((c) => c.id === e.client)!);
      return;
  }
}

async function runCheck(sim: Simulation, c: Check, index: number, start: number, t0: number): Promise<CheckResult> {
  const base = { index, check: describe(c), startMs: +(start - t0).toFixed(3), withinMs: c.within };
  // Wait a little past the limit, so a late answer is measured rather than cut off.
  const timeoutMs = Math.max(0, start + c.within - nowMs()) + 1000;
  try {
    const r = c.expect === 'forgotten' ? await sim.forgotten(c.id, { timeoutMs, by: c.by })
      : c.expect === 'known' ? await sim.known(c.id, { timeoutMs })
        : await sim.converged({ timeoutMs });
    const took = Math.max(0, r.at - start);
    return { ...base, tookMs: +took.toFixed(3), passed: took <= c.within };
  } catch (err) {
    const detail = err instanceof ConvergenceTimeout ? err.diff.slice(0, 5).join('; ') : (err as Error).message;
    return { ...base, tookMs: null, passed: false, detail };
  }
}

export function summaryMarkdown(s: ExperimentSummary): string {
  const L: string[] = [];
  L.push(`# Experiment ${s.name}: ${s.passed ? 'PASSED' : 'FAILED'}`, '');
  if (s.description) L.push(s.description, '');
  L.push(`Command: \`${s.command}\` — file \`${s.file}\`, seed ${s.seed}, started ${s.started}`, '');
  L.push(`Machine: ${s.machine.cpu}, ${s.machine.cores} cores, Node ${s.machine.node}, commit ${s.machine.commit}`, '');
  L.push(`Topology ${s.topology.name}: ${s.topology.servers} servers (${s.topology.serversPerWorker} per worker), ${s.topology.clients} clients; ${s.topology.proxiedLinks} links through fault proxies, ${s.topology.directLinks} direct. Initial convergence ${s.initialConvergenceMs.toFixed(0)} ms; ran ${(s.durationMs / 1000).toFixed(1)} s.`, '');
  L.push('## Timeline', '', '| at (s) | action | late (ms) | error |', '|---:|---|---:|---|');
  for (const a of s.actions) L.push(`| ${(a.at / 1000).toFixed(3)} | ${a.did.replace(/\|/g, '\\|')} | ${a.lateMs.toFixed(1)} | ${a.error ?? ''} |`);
  L.push('', '## Checks', '', '| check | from (s) | limit (ms) | took (ms) | result |', '|---|---:|---:|---:|---|');
  for (const c of s.checks) L.push(`| ${c.check} | ${(c.startMs / 1000).toFixed(3)} | ${c.withinMs} | ${c.tookMs === null ? 'never' : c.tookMs.toFixed(1)} | ${c.passed ? 'pass' : `**fail**${c.detail ? `: ${c.detail}` : ''}`} |`);
  if (s.traffic.length) {
    L.push('', '## Traffic', '', '| from | to | rate (/s) | size (B) | sent | delivered | lost | latency p50 (ms) | p99 (ms) | max (ms) |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const f of s.traffic) {
      L.push(`| ${f.from} | ${f.to} | ${f.rate} | ${f.size} | ${f.sent} | ${f.delivered} | ${f.lost} | ${f.latencyMs?.p50.toFixed(2) ?? '–'} | ${f.latencyMs?.p99.toFixed(2) ?? '–'} | ${f.latencyMs?.max.toFixed(2) ?? '–'} |`);
    }
    L.push('', 'Lost = sent but never delivered: chats in flight toward a host that was cut off or quit are dropped by design (unknown destination).');
  }
  L.push('', 'Every event (nodes and proxies, with worker timestamps) is in `events.jsonl` beside this file.', '');
  return L.join('\n');
}
