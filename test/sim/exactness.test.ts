// Exactness in virtual time: a silent partition (nothing closes; only liveness can find it) is
// detected exactly when the liveness rules say, not "within a margin". Liveness here is the
// default for middle-earth: a ping after 250 ms idle, dead after 1000 ms silent, checked on a
// sweep every 250 ms. Traffic keeps the link busy up to the partition, so its last bytes arrive
// just after a sweep: the next sweep stamps them, and the one a timeout later declares the link
// dead: timeout + interval after the silence began, plus the latency the last bytes were still
// in flight for (a multiple of the interval here, so it adds exactly).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';

const FILE = 'topologies/experiments/silent-partition.json';
const INTERVAL = 250;
const TIMEOUT = 1000;
const out = mkdtempSync(join(tmpdir(), 'crc-sim-exact-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function run(latencyMs: number) {
  const raw = JSON.parse(readFileSync(FILE, 'utf8')) as { timeline: unknown[] };
  if (latencyMs > 0) raw.timeline.unshift({ at: '0.5s', do: 'latency', link: '4-2', ms: latencyMs });
  const exp = parseExperiment(raw, FILE);
  const summary = await runExperiment(exp, { file: FILE, command: 'vitest', outDir: out, placement: 'sim' });
  const events = readFileSync(join(summary.folder, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const partition = events.find((e) => e.type === 'action' && (e.spec as { do: string }).do === 'partition')!;
  const dead = events.filter((e) => e.type === 'link-dead' && e.reason === 'ping timeout');
  return { summary, partitionAt: partition.t as number, dead };
}

describe('silent partition in sim: detection time is exact', () => {
  for (const latencyMs of [0, 250]) {
    it(`with ${latencyMs} ms of latency on the link: both ends declare it dead exactly ${TIMEOUT} + ${INTERVAL} + ${latencyMs} ms after it went silent`, async () => {
      const { summary, partitionAt, dead } = await run(latencyMs);
      expect(summary.outcome).toBe('PASS');
      const expected = TIMEOUT + INTERVAL + latencyMs;
      // rivendale (2) and lothlorien (4), each about the other, at the same virtual ms.
      expect(dead.map((e) => [e.node, e.peerId, (e.t as number) - partitionAt, e.silentMs])).toEqual([[2, 4, expected, TIMEOUT], [4, 2, expected, TIMEOUT]]);
      // The checks' "forgotten" times are that same number: the netsplit crosses each side at once (no wire delay in sim).
      const forgotten = summary.checks.filter((c) => c.check.startsWith('expect forgotten'));
      expect(forgotten.map((c) => c.tookMs)).toEqual([expected, expected]);
    }, 60_000);
  }
});
