// The course's 20 .cfg scenarios with every server in its own worker thread (our own 20 run
// on every backend, workers included, in test/scenario/own-scenarios.test.ts).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerBackend } from '../../src/coordinator/scenario-backend.ts';
import { formatResult, loadScenarioFile, runScenario } from '../../src/scenario/runner.ts';

const course = fileURLToPath(new URL('../../../shared/crc/reference-scenarios/', import.meta.url));

describe.skipIf(!existsSync(course))('course .cfg scenarios in workers', () => {
  for (const f of existsSync(course) ? readdirSync(course).filter((x) => x.endsWith('.cfg')).sort() : []) {
    it(f, async () => {
      const r = await runScenario(loadScenarioFile(course + f), new WorkerBackend());
      expect(r.failures, formatResult(r)).toEqual([]);
    });
  }
});
