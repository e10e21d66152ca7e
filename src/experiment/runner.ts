// Runs an experiment: start the topology (server links through the fault proxies), wait for
// convergence, then play the timeline against a clock while traffic flows, and record every
// event. Writes results/experiments/<name>/<timestamp>/{events.jsonl, summary.json, summary.md}.
// The experiment comes checked (parse.ts): its topology resolved, its references valid.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import type { SimEvent } from '../threads/worker-api.ts';
import type { ProxyEvent } from '../faults/events.ts';
import { parseTrafficText } from '../coordinator/traffic-text.ts';
import { machineInfo } from '../util/machine.ts';
import type { Endpoints } from '../placement/endpoints.ts';
import type { ExperimentNetwork } from './network.ts';
import { type ExperimentPlacement, openNetwork } from './open-network.ts';
import { type Experiment, isCheck, linkEnds } from './schema.ts';
import { type CheckResult, type ExperimentSummary, type Pictures, replayCommand, summaryMarkdown } from './summary.ts';
import type { ActionRecord } from './fault-replay.ts';
import { FACT_TYPES, type NodeFact } from './knowledge.ts';
import { type Polled, pollConsistent } from './probe.ts';
import { analyseRun } from './run-analysis.ts';
import { judgeTiming, overallOutcome, treeDiameter } from './host-lateness.ts';
import { NOT_LATE, RunLateness } from './run-lateness.ts';
import { observations } from './foreign-findings.ts';
import { FINAL_SETTLE_MS, verdictLines } from './verdict.ts';
import { describe, runAction } from './actions.ts';
import { runCheck, waitOutLateness } from './check-run.ts';
import { QUIET_MS, settleTraffic } from './settle.ts';

export { type CheckResult, type ExperimentSummary, type FlowResult, summaryMarkdown } from './summary.ts';

export interface RunExperimentOptions {
  file: string;
  command: string;
  /** results/experiments by default */
  outDir?: string;
  log?: (line: string) => void;
  /** Overrides the file's (and its topology's) placement. */
  placement?: ExperimentPlacement;
  /** Where the servers and proxies are, for placement external. */
  endpoints?: Endpoints;
  /**
   * Draws the pictures from the run's folder once its events are written (`drawFolderPictures`
   * in report/render.ts: the report reads what the runner writes, so the runner does not
   * import it); none without it.
   */
  pictures?: (folder: string) => Pictures;
  /** Called as the timeline starts (tests reach into the running network with it). */
  onTimelineStart?: (net: ExperimentNetwork) => void;
  /** false: no results folder (no events.jsonl, no summary files); explore reads only the summary returned. */
  files?: boolean;
}

export async function runExperiment(exp: Experiment, opts: RunExperimentOptions): Promise<ExperimentSummary> {
  const log = opts.log ?? (() => {});
  log(`${exp.name}: seed ${exp.seed} (from the file); replay: ${replayCommand(opts.file)}`);
  const topology = exp.topology;

  // Times: entries without `at` run right after the previous one.
  let last = 0;
  const timeline = exp.timeline.map((e, index) => {
    const at = e.at ?? last;
    last = at;
    return { e, at, index };
  });
  timeline.sort((x, y) => x.at - y.at || x.index - y.index);
  const endMs = exp.duration ?? Math.max(last + 1000, ...exp.traffic.map((f) => f.stop ?? 0));

  const placement = opts.placement ?? exp.placement ?? topology.placement ?? 'workers';
  const started = new Date();
  const folder = join(opts.outDir ?? 'results/experiments', exp.name, started.toISOString().replace(/[:.]/g, '-'));
  const files = opts.files !== false;
  if (files) mkdirSync(folder, { recursive: true });
  const net = openNetwork(placement, files ? join(folder, 'events.jsonl') : undefined);
  const { clock } = net;
  const nowMs = () => clock.now();
  // The host's own timer lateness (this thread's and every worker's), sampled all run: what excuses
  // a timed check missed by a late machine. Virtual time has none: nothing is late, every bound is judged exactly.
  const lateness = clock.virtual ? undefined : new RunLateness();
  const wakeups = treeDiameter(topology) + 1;
  let t0: number | undefined;
  // `rel` is added to the record itself (last, as a spread would put it): no copy per event.
  const record = (o: Record<string, unknown>) => {
    if (!files) return;
    o.rel = t0 !== undefined ? +((Number(o.t ?? nowMs()) - t0).toFixed(3)) : null;
    net.events.write(JSON.stringify(o) + '\n');
  };

  // Traffic deliveries, matched from the receivers' chat-delivered events.
  const flows = exp.traffic.map((f, i) => ({ ...f, tag: `f${i}-`, sent: 0, delivered: 0, latency: createHistogram(), seq: [] as number[], sentAt: [] as number[], deliveredAt: [] as number[] }));
  // What the verdict and the phases are computed from, once the run is over.
  const facts: NodeFact[] = [];
  const played: ActionRecord[] = [];
  const proxied = exp.proxyLinks === 'all' ? 'all' as const : exp.proxyLinks.map(linkEnds);
  log(`${exp.name}: servers placed in ${placement === 'workers' ? `worker threads (${exp.serversPerWorker} per thread)` : placement === 'processes' ? 'a crc-server process each' : placement === 'sim' ? 'this thread, on virtual time (sim)' : placement === 'hosts' ? `worker threads (${exp.serversPerWorker} per thread) over node processes` : 'external servers (endpoints file)'}`);
  const machine = machineInfo();
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  // Everything that runs on the clock (virtual time drives it to its end: net.run).
  // (Not indented, to keep this diff small: the body runs to `const done = await net.run(body)`.)
  const body = async (): Promise<ExperimentSummary> => {
  const sim: ExperimentNetwork = await net.start({
    topology,
    seed: exp.seed,
    serversPerWorker: exp.serversPerWorker,
    endpoints: opts.endpoints,
    proxyLinks: proxied,
    proxyClients: exp.proxyClients,
    traceFrames: exp.traceFrames,
    // A loaded machine can take over 10 s to start a worker: a slow start is not a failed run.
    callTimeoutMs: 60_000,
    onEvent: (e: SimEvent) => {
      if (e.type === 'chat-delivered') {
        const stamp = parseTrafficText(e.content);
        const flow = stamp ? flows.find((f) => f.tag === stamp.tag) : undefined;
        if (flow) {
          flow.delivered++;
          flow.latency.record(Math.max(1, Math.round((e.t - stamp!.sentAt) * 1000)));
          flow.seq.push(stamp!.seq);
          flow.sentAt.push(stamp!.sentAt);
          flow.deliveredAt.push(e.t);
          return; // traffic is summarised, not logged chat by chat
        }
      }
      if (FACT_TYPES.has(e.type)) facts.push(e as NodeFact);
      record(e as unknown as Record<string, unknown>);
    },
    onProxyEvent: (e: ProxyEvent) => record(e as unknown as Record<string, unknown>),
    onCrash: (m) => log(`CRASH: ${m}`),
  });
  if (lateness && sim.threadLateness) lateness.attach((from, to) => sim.threadLateness!(from, to));
  let final: Polled | undefined;
  let finalFrom = 0;
  let stoppedAt = 0;
  const summary: Omit<ExperimentSummary, 'phases' | 'verdict'> = {
    name: exp.name, description: exp.description, seed: exp.seed, file: opts.file, command: opts.command, replay: replayCommand(opts.file), started: started.toISOString(), folder,
    machine,
    hosts: observations(topology),
    topology: {
      name: topology.name, servers: topology.servers.length, clients: topology.clients.length, serversPerWorker: exp.serversPerWorker, placement,
      proxiedLinks: sim.linkList().filter((l) => l.proxy).length,
      directLinks: sim.linkList().filter((l) => !l.proxy).length + topology.clients.length - sim.linkList().filter((l) => l.kind === 'client').length,
    },
    initialConvergenceMs: 0, durationMs: endMs, actions: [], checks: [], traffic: [], outcome: 'FAIL', passed: false,
  };
  try {
    const c0 = nowMs();
    await sim.converged({ timeoutMs: 60_000 });
    summary.initialConvergenceMs = nowMs() - c0;
    log(`${exp.name}: ${topology.name} converged in ${summary.initialConvergenceMs.toFixed(0)} ms; running for ${(endMs / 1000).toFixed(1)} s`);
    const start = nowMs();
    t0 = start;
    record({ type: 'experiment-start', t: start, name: exp.name, seed: exp.seed });
    opts.onTimelineStart?.(sim);

    const trafficDone = flows.map(async (f) => {
      await clock.sleepUntil(start + f.start);
      const stop = Math.min(f.stop ?? endMs, endMs);
      const r = await sim.traffic(f.from, f.to, f.rate, f.size, Math.max(0, stop - f.start), f.tag).catch((err: Error) => {
        log(`traffic ${f.from}->${f.to}: ${err.message}`);
        return { sent: 0 };
      });
      f.sent = r.sent;
    });

    const checks: Array<Promise<CheckResult>> = [];
    let lastActionStart = start;
    for (const { e, at, index } of timeline) {
      await clock.sleepUntil(start + at);
      if (isCheck(e)) {
        // A check's clock starts at its own time, or with the action it follows.
        const from = e.at === undefined ? lastActionStart : start + at;
        checks.push(runCheck(sim, clock, e, index, from, start).then(async (first) => {
          // A wait given up before the host's lateness could excuse the answer does not show it
          // never came (the coordinator itself was 1.4 s behind): wait out that allowance too.
          const r = !lateness ? first : await waitOutLateness(first, async () => {
            // (to a minute ahead, and at most a minute past the bound)
            const late = await lateness.worstAround(from, nowMs() + 60_000);
            return from + e.within + Math.min(60_000, judgeTiming(null, e.within, late.maxMs, wakeups, undefined, late.observerMs).allowanceMs);
          }, (until) => runCheck(sim, clock, e, index, from, start, until - nowMs()), nowMs);
          // Only a miss asks the threads: the worst of them around the check's window (none on virtual time).
          const late = r.passed || !lateness ? NOT_LATE : await lateness.worstAround(from, from + (r.tookMs ?? r.withinMs));
          const judged = judgeTiming(r.tookMs, r.withinMs, late.maxMs, wakeups, late.thread || undefined, late.observerMs);
          // A check that could not be run (its wait broke) stays FAIL: only a late answer is excused.
          const outcome = r.passed ? 'PASS' : r.tookMs === null ? 'FAIL' : judged.outcome;
          const done: CheckResult = { ...r, passed: outcome === 'PASS', outcome, hostLateMs: judged.hostLateMs, allowanceMs: judged.allowanceMs, ...(r.passed || !late.thread ? {} : { lateThread: late.thread }) };
          if (outcome !== 'PASS' && r.tookMs !== null && lateness) done.detail = [r.detail, judged.why].filter(Boolean).join('; ');
          record({ type: 'check', t: nowMs(), ...done });
          log(`${outcome} ${done.check}: ${done.tookMs === null ? 'did not happen' : `${done.tookMs.toFixed(1)} ms`}${done.detail ? ` (${done.detail})` : ''}`);
          for (const f of done.findings ?? []) log(`  finding: ${f}`);
          return done;
        }));
        continue;
      }
      const begin = nowMs();
      lastActionStart = begin;
      const did = describe(e);
      const entry: ExperimentSummary['actions'][number] = { index, at, did, lateMs: +(begin - (start + at)).toFixed(3) };
      const playedAction: ActionRecord = { index, t: begin, action: e };
      try {
        const gone = await runAction(sim, topology, e);
        if (gone) playedAction.gone = gone;
      } catch (err) {
        entry.error = playedAction.error = (err as Error).message;
        log(`action ${did} failed: ${entry.error}`);
      }
      entry.tookMs = +(nowMs() - begin).toFixed(3);
      // A restart's checks start when it listens again: spawn, load and listen are the host's
      // work (docs/host-lateness.md); re-dial backoff and re-join stay inside the bound.
      if (e.do === 'restart' && !entry.error) lastActionStart = nowMs();
      played.push(playedAction);
      record({ type: 'action', t: begin, ...entry, spec: e });
      summary.actions.push(entry);
      log(`${((begin - start) / 1000).toFixed(3)} s: ${did}`);
    }
    await clock.sleepUntil(start + endMs);
    await Promise.all(trafficDone);
    summary.checks = await Promise.all(checks);
    // Let the last chats arrive before counting losses: while they still come (a slow link
    // draining, a late host), a chat is late, not lost. Ends 2 s after the last arrival, or
    // SETTLE_LIMIT_MS after the traffic, whichever is first.
    const settledAt = await settleTraffic(flows, clock);
    // Said only when the old fixed 2 s would have counted chats that came after it as lost.
    if (settledAt.lastArrivalMs > QUIET_MS) log(`traffic still arriving after its end: the last chat came ${(settledAt.lastArrivalMs / 1000).toFixed(1)} s after it${settledAt.limited ? ' (waiting stopped at the limit)' : ''}`);
    // The final verdict's snapshot, before the workers stop.
    finalFrom = nowMs();
    final = await pollConsistent(sim, finalFrom + FINAL_SETTLE_MS, 50, undefined, clock);
  } finally {
    await lateness?.gather();
    lateness?.stop();
    stoppedAt = nowMs();
    record({ type: 'experiment-stopping', t: stoppedAt });
    await sim.stop();
    record({ type: 'experiment-end', t: nowMs() });
  }
  summary.traffic = flows.map((f) => ({
    from: f.from, to: f.to, rate: f.rate, size: f.size, sent: f.sent, delivered: f.delivered, lost: Math.max(0, f.sent - f.delivered),
    latencyMs: f.latency.count ? { p50: f.latency.percentile(50) / 1000, p99: f.latency.percentile(99) / 1000, max: f.latency.max / 1000 } : null,
  }));
  const analysis = analyseRun({
    // Stopping closes every link: what the nodes forget then is not part of the run.
    topology, t0: t0 ?? 0, played, facts: facts.filter((e) => e.t < stoppedAt), final: final!, finalFrom,
    flows: flows.map((f) => ({ from: f.from, to: f.to, rate: f.rate, sent: f.sent, startAt: (t0 ?? 0) + f.start, stopAt: (t0 ?? 0) + Math.min(f.stop ?? endMs, endMs), seq: f.seq, sentAt: f.sentAt, deliveredAt: f.deliveredAt })),
  });
  for (const l of verdictLines(analysis.verdict)) log(l);
  // The consistency verdict, the traffic audit and the actions are never excused by timing.
  const outcome = overallOutcome([
    ...summary.checks.map((c) => c.outcome),
    summary.actions.every((a) => !a.error) && analysis.verdict.passed ? 'PASS' : 'FAIL',
  ]);
  const figures = lateness?.figures();
  const hostLateness = figures ? { ...figures.coordinator, wakeups, threads: figures.threads } : undefined;
  return { ...summary, ...analysis, outcome, passed: outcome === 'PASS', ...(hostLateness ? { hostLateness } : {}) };
  };
  let done: ExperimentSummary;
  try {
    done = await net.run(body);
    if (clock.virtual) {
      const cpu = process.cpuUsage(cpu0);
      done.virtualTime = { virtualMs: +(clock.now()).toFixed(3), wallMs: +(performance.now() - wall0).toFixed(1), cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1) };
    }
  } finally {
    await net.events.close();
  }
  if (done.outcome !== 'PASS') log(`OUTCOME ${done.outcome}${done.outcome === 'INCONCLUSIVE' ? `: ${done.checks.filter((c) => c.outcome === 'INCONCLUSIVE').map((c) => `host late by ${c.hostLateMs} ms (${c.lateThread})`).join('; ')}` : ''}`);
  if (opts.pictures) {
    try {
      done.pictures = opts.pictures(folder);
    } catch (err) {
      log(`pictures not drawn: ${(err as Error).message}`);
    }
  }
  if (!files) return done;
  writeFileSync(join(folder, 'summary.json'), JSON.stringify(done, null, 2) + '\n');
  writeFileSync(join(folder, 'summary.md'), summaryMarkdown(done));
  return done;
}
