// Our own 20 scenario files (topologies/scenarios/), each run on every backend: the in-memory
// network (whole writes, and seeded random chunks so frames split and share reads), real TCP
// nodes in this process, servers in worker threads, and servers as crc-server processes.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerBackend } from '../../src/coordinator/scenario-backend.ts';
import { isClientStep, isServerStep } from '../../src/scenario/model.ts';
import { InProcessBackend } from '../../src/scenario/in-process.ts';
import { loadScenarioFile } from '../../src/scenario/runner.ts';
import { MEMORY_BACKENDS, expectScenarioPasses } from './helpers.ts';

const dir = fileURLToPath(new URL('../../topologies/scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('own scenarios (topologies/scenarios)', () => {
  it('has all 20 course scenarios in our own format', () => {
    expect(files).toHaveLength(20);
  });

  it.each(files)('%s expects something of every host it launches', (f) => {
    const sc = loadScenarioFile(dir + f);
    const launched = sc.steps.flatMap((s) => (isServerStep(s) ? [s.server] : isClientStep(s) ? [s.client] : []));
    expect(Object.keys(sc.expect).sort()).toEqual(launched.sort());
  });
});

const BACKENDS = [
  ...MEMORY_BACKENDS,
  { label: 'in process over TCP', make: () => new InProcessBackend() },
  { label: 'in worker threads', make: () => new WorkerBackend() },
  // A process per server costs ~0.3 s to spawn on a quiet machine, seconds on a loaded one.
  { label: 'as crc-server processes', make: () => new WorkerBackend({ placement: 'processes' }), timeout: 90_000 },
];

describe.each(BACKENDS)('own scenarios $label', ({ make, ...o }) => {
  it.each(files)('%s', (f) => expectScenarioPasses(loadScenarioFile(dir + f), make()), 'timeout' in o ? o.timeout : undefined);
});
