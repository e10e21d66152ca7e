// The 20 scenarios again, with every server in its own worker thread.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerBackend } from '../../src/coordinator/scenario-backend.ts';
import { formatResult, loadScenarioFile, runScenario } from '../../src/scenario/runner.ts';

const own = fileURLToPath(new URL('../../topologies/scenarios/', import.meta.url));
const course = fileURLToPath(new URL('../../../shared/crc/reference-scenarios/', import.meta.url));

describe('own scenarios in workers', () => {
  for (const f of readdirSync(own).filter((x) => x.endsWith('.json')).sort()) {
    it(f, async () => {
      const r = await runScenario(loadScenarioFile(own + f), new WorkerBackend());
      expect(r.failures, formatResult(r)).toEqual([]);
    });
  }
});

describe.skipIf(!existsSync(course))('course .cfg scenarios in workers', () => {
  for (const f of existsSync(course) ? readdirSync(course).filter((x) => x.endsWith('.cfg')).sort() : []) {
    it(f, async () => {
      const r = await runScenario(loadScenarioFile(course + f), new WorkerBackend());
      expect(r.failures, formatResult(r)).toEqual([]);
    });
  }
});
