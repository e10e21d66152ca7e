// A hostile case judges a server that dies as FAIL: our server, patched by a test preload to
// exit on a spoofed quit, serves the honest pair before the attack and dies of the attack.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { robustnessCase } from '../../src/check/cases/robustness.ts';
import { spoofedSource } from '../../src/check/hostile/spoofed-source.ts';
import { runCheck } from '../../src/check/runner.ts';
import { type ServerUnderTest, spawnNodeServer } from '../../src/check/server-under-test.ts';
import { builtUrl } from '../../src/threads/worker-handle.ts';

const crashing: ServerUnderTest = {
  label: 'crc-server that exits on a spoofed quit', placement: 'processes', open() {}, close() {},
  spawn: (spec) => spawnNodeServer(fileURLToPath(builtUrl('src/cli/crc-server')), spec, 'crashing server',
    ['--import', new URL('./crash-on-spoofed-quit.mjs', import.meta.url).href]),
};

describe('robustness judge', () => {
  it('a server that dies of the attack is FAIL, naming the rule', async () => {
    const out = mkdtempSync(join(tmpdir(), 'check-dies-'));
    const r = await runCheck(crashing, [robustnessCase(spoofedSource)], { out, command: 'test', quick: false, notRun: [] });
    const c = r.cases[0]!;
    expect(c.verdict, c.reason).toBe('FAIL');
    expect(c.reason).toMatch(/^breaks survives-hostile-input: the server died during the attack \(exited with code 70\)/);
    expect(r.exitCode).toBe(1);
  }, 60_000);
});
