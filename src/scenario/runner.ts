// Runs a Scenario on a backend and compares the final state with the expectation, reporting
// every difference as "host.field: ..." lines.
import { readFileSync } from 'node:fs';
import { readJsonFile } from '../util/json-file.ts';
import type { NetworkSnapshot, ScenarioBackend } from './backend.ts';
import { parseCfg, type CfgOptions } from './cfg.ts';
import { type Expectation, type Scenario, ScenarioError, isClientStep, isServerStep, parseScenario } from './model.ts';

export interface RunOptions {
  /** Listen on the ports a course file names instead of free ones. */
  exactPorts?: boolean;
  /** Called before each step, e.g. for progress output. */
  onStep?: (index: number, total: number, description: string) => void;
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  failures: string[];
  notes: string[];
  ms: number;
}

/** Load a scenario file: our own .json, or a course .cfg. */
export function loadScenarioFile(path: string, cfgOptions?: CfgOptions): Scenario {
  if (path.endsWith('.cfg')) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ScenarioError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return parseCfg(text, path, cfgOptions);
  }
  return parseScenario(readJsonFile(path, (m) => new ScenarioError(m)), path);
}

export async function runScenario(sc: Scenario, backend: ScenarioBackend, options: RunOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  try {
    const snap = await playScenario(sc, backend, options);
    const failures = compare(sc, snap);
    return { name: sc.name, passed: failures.length === 0, failures, notes: sc.notes ?? [], ms: performance.now() - started };
  } finally {
    await backend.close();
  }
}

/** Run the steps, settling after each, and read the final state (the backend stays open). */
export async function playScenario(sc: Scenario, backend: ScenarioBackend, options: RunOptions = {}): Promise<NetworkSnapshot> {
  const ports = new Map<string, number>();
  for (const [i, step] of sc.steps.entries()) {
    if (isServerStep(step)) {
      options.onStep?.(i, sc.steps.length, `server ${step.server} (${step.id})${step.join ? ` joins ${step.join}` : ''}`);
      const port = await backend.launchServer({
        name: step.server, id: step.id, info: step.info,
        port: options.exactPorts ? (sc.ports?.[step.server] ?? 0) : 0,
        joinPort: step.join === undefined ? undefined : ports.get(step.join),
      });
      ports.set(step.server, port);
    } else if (isClientStep(step)) {
      options.onStep?.(i, sc.steps.length, `client ${step.client} (${step.id}) on ${step.server}`);
      await backend.launchClient({ name: step.client, id: step.id, info: step.info, serverPort: ports.get(step.server)! });
    } else if ('msg' in step) {
      options.onStep?.(i, sc.steps.length, `${step.msg} -> ${step.to}: ${step.text}`);
      await backend.chat(step.msg, step.to, step.text);
    } else if ('quit' in step) {
      options.onStep?.(i, sc.steps.length, `${step.quit} quits`);
      await backend.quit(step.quit, step.text);
    } else {
      options.onStep?.(i, sc.steps.length, `wait ${step.wait} ms`);
      await new Promise((r) => setTimeout(r, step.wait));
    }
    // The course waited a fixed time after each command; we wait until nothing is in flight.
    await backend.settle();
  }
  return backend.snapshot();
}

export function compare(sc: Scenario, snap: NetworkSnapshot): string[] {
  const failures: string[] = [];
  for (const [host, exp] of Object.entries(sc.expect)) {
    const server = snap.servers[host];
    const client = snap.clients[host];
    if (!server && !client) {
      failures.push(`${host}: no such host in the network`);
      continue;
    }
    const got: Record<keyof Expectation, unknown[] | undefined> = server
      ? { hosts: server.hosts, adjacentServers: server.adjacentServers, adjacentUsers: server.adjacentUsers, statusLog: server.statusLog, joinFrames: server.joinFrames, users: undefined, chatLog: undefined }
      : { users: client!.users, statusLog: client!.statusLog, chatLog: client!.chatLog, hosts: undefined, adjacentServers: undefined, adjacentUsers: undefined, joinFrames: undefined };
    for (const field of Object.keys(exp) as Array<keyof Expectation>) {
      const want = exp[field] as unknown[] | undefined;
      if (want === undefined) continue;
      const have = got[field] ?? [];
      const ordered = (field === 'statusLog' || field === 'chatLog') && sc.logOrder === 'sequence';
      const diff = ordered ? sequenceDiff(want, have) : multisetDiff(want, have);
      if (diff) failures.push(`${host}.${field}: ${diff}`);
    }
  }
  return failures;
}

const show = (xs: unknown[]) => `[${xs.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`;

/** Compare as sets with a count check: the course harness's rule. */
function multisetDiff(want: unknown[], have: unknown[]): string | undefined {
  const left = [...have];
  const missing: unknown[] = [];
  for (const w of want) {
    const k = left.indexOf(w);
    if (k === -1) missing.push(w);
    else left.splice(k, 1);
  }
  if (missing.length === 0 && left.length === 0) return undefined;
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${show(missing)}`);
  if (left.length) parts.push(`extra ${show(left)}`);
  return `${parts.join('; ')} (expected ${show(want)}, got ${show(have)})`;
}

function sequenceDiff(want: unknown[], have: unknown[]): string | undefined {
  if (want.length === have.length && want.every((w, i) => w === have[i])) return undefined;
  return `expected ${show(want)}, got ${show(have)}`;
}

export function formatResult(r: ScenarioResult, verbose = false): string {
  const head = `${r.passed ? 'PASS' : 'FAIL'} ${r.name} (${r.ms.toFixed(0)} ms)`;
  const lines = [head, ...r.failures.map((f) => `    ${f}`)];
  if (verbose || !r.passed) lines.push(...r.notes.map((n) => `    note: ${n}`));
  return lines.join('\n');
}
