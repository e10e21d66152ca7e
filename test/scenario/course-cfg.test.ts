// The course's 20 graded .cfg files, read with the course harness's quirks and run in the
// in-memory network (each memory mode) and against real TCP nodes. Skipped, with the reason
// printed, when ../shared/crc/reference-scenarios is absent.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InProcessBackend } from '../../src/scenario/in-process.ts';
import { loadScenarioFile } from '../../src/scenario/runner.ts';
import { MEMORY_BACKENDS, expectScenarioPasses } from './helpers.ts';

const dir = fileURLToPath(new URL('../../../shared/crc/reference-scenarios/', import.meta.url));
const present = existsSync(dir);
if (!present) console.warn(`course .cfg scenarios skipped: ${dir} does not exist`);
const files = present ? readdirSync(dir).filter((f) => f.endsWith('.cfg')).sort() : [];

const BACKENDS = [
  ...MEMORY_BACKENDS,
  { label: 'in process over TCP', make: () => new InProcessBackend() },
];

describe.skipIf(!present)('course .cfg scenarios (../shared/crc/reference-scenarios)', () => {
  it('finds all 20 course files', () => {
    expect(files).toHaveLength(20);
  });

  describe.each(BACKENDS)('$label', ({ make }) => {
    it.each(files)('%s', (f) => expectScenarioPasses(loadScenarioFile(dir + f), make()));
  });
});
