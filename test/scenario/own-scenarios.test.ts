// Our own 20 scenario files (topologies/scenarios/), each run against real TCP nodes.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessBackend } from '../../src/scenario/in-process.ts';
import { formatResult, loadScenarioFile, runScenario } from '../../src/scenario/runner.ts';

const dir = fileURLToPath(new URL('../../topologies/scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
let passed = 0;

describe('own scenarios (topologies/scenarios)', () => {
  it('has all 20 course scenarios in our own format', () => {
    expect(files).toHaveLength(20);
  });
  for (const f of files) {
    it(f, async () => {
      const result = await runScenario(loadScenarioFile(dir + f), new InProcessBackend());
      expect(result.failures, formatResult(result)).toEqual([]);
      expect(result.passed).toBe(true);
      passed++;
    });
  }
  afterAll(() => {
    console.log(`${passed} of ${files.length} own scenarios passed`);
  });
});
