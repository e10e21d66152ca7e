// The judge checked by mutants: two fast ones, each caught by the scenario case that names the
// rule it breaks (and that same case passes on the correct server: test/check/runner.test.ts
// and the catch table's baseline).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/check/catalog.ts';
import { catchRow } from '../../src/check/mutants/catch-table.ts';
import { runCheck } from '../../src/check/runner.ts';
import { mutantServer, ourServer } from '../../src/check/server-under-test.ts';

const DIRS = { scenarios: 'topologies/scenarios', reference: '/nonexistent', experiments: 'topologies/experiments', quick: false };

async function check(mutant: string | undefined, only: string) {
  const out = mkdtempSync(join(tmpdir(), `check-${mutant ?? 'correct'}-`));
  const sut = mutant ? mutantServer(mutant) : ourServer();
  return runCheck(sut, catalog({ ...DIRS, only: [only] }), { out, command: 'test', quick: false, notRun: [] });
}

describe('mutants', () => {
  for (const [mutant, only, rule] of [
    ['wrong-welcome', 'conformance/ours/5_1', 'welcome-text'],
    ['no-duplicate-status', 'conformance/ours/5_3', 'duplicate-id-status'],
  ] as const) {
    it(`${mutant} fails ${only}, which names ${rule}; the correct server passes it`, async () => {
      const bad = await check(mutant, only);
      expect(bad.cases[0]!.verdict, bad.cases[0]!.reason).toBe('FAIL');
      expect(bad.cases[0]!.rules).toContain(rule);
      const row = catchRow(mutant, bad, 'r.md');
      expect(row.caught).toBe(true);
      expect(row.breaks).toBe(rule);
      const good = await check(undefined, only);
      expect(good.cases[0]!.verdict, good.cases[0]!.reason).toBe('PASS');
    }, 90_000);
  }

  it('crc-server itself never reads CRC_MUTANT: with it set (and no preload) 5_1 passes', async () => {
    process.env.CRC_MUTANT = 'wrong-welcome';
    try {
      const r = await check(undefined, 'conformance/ours/5_1');
      expect(r.cases[0]!.verdict, r.cases[0]!.reason).toBe('PASS');
    } finally {
      delete process.env.CRC_MUTANT;
    }
  }, 90_000);

  it('the mutation is in the mutant only: the environment is restored after its check', async () => {
    const before = process.env.NODE_OPTIONS;
    const sut = mutantServer('mute');
    sut.open();
    expect(process.env.CRC_MUTANT).toBe('mute');
    expect(process.env.NODE_OPTIONS).toContain('mutants/preload.js');
    sut.close();
    expect(process.env.CRC_MUTANT).toBeUndefined();
    expect(process.env.NODE_OPTIONS).toBe(before);
  });
});
