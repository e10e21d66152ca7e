// The course's 20 graded .cfg files, read with the course harness's quirks and run against
// real TCP nodes. Skipped, with the reason printed, when ../shared/crc/reference-scenarios is absent.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessBackend } from '../../src/scenario/in-process.ts';
import { formatResult, loadScenarioFile, runScenario } from '../../src/scenario/runner.ts';

const dir = fileURLToPath(new URL('../../../shared/crc/reference-scenarios/', import.meta.url));
const present = existsSync(dir);
if (!present) console.warn(`course .cfg scenarios skipped: ${dir} does not exist`);
const files = present ? readdirSync(dir).filter((f) => f.endsWith('.cfg')).sort() : [];
let passed = 0;

describe.skipIf(!present)('course .cfg scenarios (../shared/crc/reference-scenarios)', () => {
  it('finds all 20 course files', () => {
    expect(files).toHaveLength(20);
  });
  for (const f of files) {
    it(f, async () => {
      const result = await runScenario(loadScenarioFile(dir + f), new InProcessBackend());
      expect(result.failures, formatResult(result)).toEqual([]);
      passed++;
    });
  }
  afterAll(() => {
    console.log(`${passed} of ${files.length} course .cfg scenarios passed`);
  });
});
