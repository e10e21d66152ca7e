// crc-scenario: run scenario files (our .json or the course's .cfg) against real TCP nodes
// and report PASS/FAIL with a diff per difference.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerBackend } from '../coordinator/scenario-backend.ts';
import { InProcessBackend } from '../scenario/in-process.ts';
import { formatResult, loadScenarioFile, runScenario } from '../scenario/runner.ts';
import type { ScenarioBackend } from '../scenario/backend.ts';
import { parseFlags, runMain } from './args.ts';

const USAGE = `usage: crc-scenario [options] [file-or-folder ...]

Runs scenario files: our own .json (default: topologies/scenarios/) or the course's .cfg.
Between steps it waits until no byte is in flight, instead of the course's fixed WAITs.

  --exact-ports   listen on the ports a .cfg file names (default: free ports, mapped)
  --real-waits    honour .cfg WAIT commands as real pauses
  --workers       run each server in its own worker thread (default: all in this process)
  --verbose       print notes for passing scenarios too
`;

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
    workers: { type: 'boolean' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const files = scenarioFiles(positionals.length ? positionals : ['topologies/scenarios']);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const sc = loadScenarioFile(file, { realWaits: values['real-waits'] });
    const backend: ScenarioBackend = values.workers ? new WorkerBackend() : new InProcessBackend();
    const r = await runScenario(sc, backend, { exactPorts: values['exact-ports'] });
    process.stdout.write(formatResult(r, values.verbose) + '\n');
    if (r.passed) passed++;
    else failed++;
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
});
