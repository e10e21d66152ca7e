// crc-server against every join convention in the wild (../shared/crc/IMPLEMENTATIONS.md), as
// issue 17's matrix: each convention x both join directions x register, chat both ways, client
// quit, netsplit and re-join, with the implementation's OWN clients on both servers. The steps
// live in src/check/interop/matrix.ts (the check's interop cases run the same ones).
//
// Subjects: our fixture (test/fixtures/course-impl/) in each preset, or any course-layout folder
// with CRC_COURSE_IMPL=DIR (run exactly as the course harness runs it, by tools/course_host.py):
//   CRC_COURSE_IMPL=/path/to/their/folder npx vitest run test/foreign/interop-matrix.test.ts
// Needs the build (npm run build): our server is dist/src/cli/crc-server.js.
import { describe, it } from 'vitest';
import { DIRECTIONS, InteropFailure, runInteropMatrix } from '../../src/check/interop/matrix.ts';
import { FIXTURE_DIR, NO_PYTHON, PRESETS } from './helpers.ts';

const foreignDir = process.env.CRC_COURSE_IMPL;
const subjects: Array<{ label: string; dir: string; env?: Record<string, string> }> = foreignDir
  ? [{ label: `course:${foreignDir}`, dir: foreignDir }]
  : PRESETS.map((p) => ({ label: `fixture ${p}`, dir: FIXTURE_DIR, env: { CRC_FIXTURE_CONVENTION: p } }));

if (NO_PYTHON) console.warn(`SKIPPING test/foreign/interop-matrix.test.ts: ${NO_PYTHON}`);

describe.skipIf(!!NO_PYTHON)('crc-server with every convention, both join directions', () => {
  for (const subject of subjects) {
    for (const direction of DIRECTIONS) {
      it(`${subject.label}: ${direction}: register, chat, client quit, netsplit, re-join`, async () => {
        try {
          await runInteropMatrix({ dir: subject.dir, direction, env: subject.env });
        } catch (err) {
          if (err instanceof InteropFailure) console.error(`steps that held: ${err.steps.join('; ')}\n${err.output}`);
          throw err;
        }
      }, 120_000);
    }
  }
});
