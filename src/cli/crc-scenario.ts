// crc-scenario: run scenario files (our .json or the course's .cfg) on a backend (real TCP
// nodes in this process, servers in worker threads, or the in-memory network) and report
// PASS/FAIL with a diff per difference.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerBackend } from '../coordinator/scenario-backend.ts';
import { MemoryBackend } from '../memory/backend.ts';
import { SimBackend } from '../sim/scenario-backend.ts';
import { InProcessBackend } from '../scenario/in-process.ts';
import { formatResult, loadScenarioFile, runScenario } from '../scenario/runner.ts';
import type { ScenarioBackend } from '../scenario/backend.ts';
import { UsageError, parseFlags, runMain } from './args.ts';

const USAGE = `usage: crc-scenario [options] [file-or-folder ...]

Runs scenario files: our own .json (default: topologies/scenarios/) or the course's .cfg.
Between steps it waits until no byte is in flight, instead of the course's fixed WAITs.

  --backend B     where the network runs:
                    tcp      every server and client in this process, on real TCP ports (default)
                    workers  each server in its own worker thread, on real TCP ports
                    processes each server its own crc-server process, driven over its control API
                    memory   the in-memory network: no sockets, no timers, the same result every run
                    sim      the sim's servers and clients on virtual time (--placement sim's; docs/virtual-time.md)
  --workers       the same as --backend workers
  --exact-ports   listen on the ports a .cfg file names (default: free ports, mapped); not with memory or sim
  --real-waits    honour .cfg WAIT commands as real pauses; not with memory or sim
  --verbose       print notes for passing scenarios too
`;

const BACKENDS = {
  tcp: () => new InProcessBackend(),
  workers: () => new WorkerBackend(),
  processes: () => new WorkerBackend({ placement: 'processes' }),
  memory: () => new MemoryBackend(),
  sim: () => new SimBackend(),
} satisfies Record<string, () => ScenarioBackend>;
type BackendName = keyof typeof BACKENDS;

/** --backend, with --workers as its alias; refuses flags that mean nothing in memory. */
function backendChoice(values: { backend?: string; workers?: boolean; 'exact-ports'?: boolean; 'real-waits'?: boolean }): BackendName {
  const named = values.backend;
  if (named !== undefined && !Object.hasOwn(BACKENDS, named)) {
    throw new UsageError(`--backend must be one of ${Object.keys(BACKENDS).join(', ')}, got '${named}'`);
  }
  if (values.workers && named !== undefined && named !== 'workers') {
    throw new UsageError(`--workers means --backend workers; it contradicts --backend ${named}`);
  }
  const choice = (named ?? (values.workers ? 'workers' : 'tcp')) as BackendName;
  if (choice === 'memory') {
    if (values['exact-ports']) throw new UsageError('--exact-ports means nothing with --backend memory: the in-memory network has no ports to listen on');
    if (values['real-waits']) throw new UsageError('--real-waits means nothing with --backend memory: no time passes in the in-memory network, so a pause changes nothing');
  }
  if (choice === 'sim') {
    if (values['exact-ports']) throw new UsageError('--exact-ports means nothing with --backend sim: its ports are the sim\'s, not real ones');
    if (values['real-waits']) throw new UsageError('--real-waits means nothing with --backend sim: it runs on virtual time, so a real pause changes nothing');
  }
  return choice;
}

export function scenarioFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      out.push(...readdirSync(p).filter((f) => f.endsWith('.json') || f.endsWith('.cfg')).sort().map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

await runMain(USAGE, async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    'exact-ports': { type: 'boolean' },
    'real-waits': { type: 'boolean' },
    backend: { type: 'string' },
    workers: { type: 'boolean' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const backend = BACKENDS[backendChoice(values)];
  const files = scenarioFiles(positionals.length ? positionals : ['topologies/scenarios']);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const sc = loadScenarioFile(file, { realWaits: values['real-waits'] });
    const r = await runScenario(sc, backend(), { exactPorts: values['exact-ports'] });
    process.stdout.write(formatResult(r, values.verbose) + '\n');
    if (r.passed) passed++;
    else failed++;
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
});
