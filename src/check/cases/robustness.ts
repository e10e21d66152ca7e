// Robustness: each hostile case (src/check/hostile/) against one fresh server, judged from
// outside by three things: the process is still alive, an honest pair can still register and
// chat within a bound, and its resident memory grew less than a bound during the attack.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AttackResult, HostileAttack } from '../hostile/attack.ts';
import { honestPair } from '../hostile/honest-pair.ts';
import { QUICK_HOSTILE } from '../hostile/index.ts';
import type { SpawnedServer } from '../server-under-test.ts';
import type { CaseOutcome, CheckCase } from '../types.ts';

/** How long an honest pair may take to register and chat (generous: the machine may be loaded). */
export const HONEST_BOUND_MS = 10_000;
/** How much the server's RSS may grow during one attack. */
export const RSS_GROWTH_BOUND_BYTES = 256 * 2 ** 20;
const MIB = 2 ** 20;
/** How long a server whose port refuses an honest pair is given to be seen exiting. */
const EXIT_NOTICE_MS = 2000;
const TARGET_ID = 1;

export function robustnessCase(attack: HostileAttack, bounds = { honestMs: HONEST_BOUND_MS, rssGrowthBytes: RSS_GROWTH_BOUND_BYTES }): CheckCase {
  return {
    id: `robustness/${attack.id}`, section: 'robustness', title: attack.title,
    rules: ['survives-hostile-input', 'answers'], quick: QUICK_HOSTILE.has(attack.id),
    async run(ctx): Promise<CaseOutcome> {
      const server = await ctx.sut.spawn({ id: TARGET_ID, name: 'target', info: 'server under test' });
      const record: Record<string, unknown> = { attack: attack.id, bounds, pid: server.pid };
      const write = (extra: Record<string, unknown>): string[] => {
        writeFileSync(join(ctx.dir, 'evidence.json'), JSON.stringify({ ...record, ...extra, stderrTail: server.stderrTail() }, null, 2) + '\n');
        return ['evidence.json'];
      };
      try {
        const before = await honestPair(server.port, bounds.honestMs);
        record.honestBefore = before;
        if (!before.ok) {
          return { verdict: 'FAIL', reason: `breaks answers: before any attack, ${before.detail}`, evidence: write({}) };
        }
        const rssStart = server.rssBytes();
        let rssPeak = rssStart ?? 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling && server.alive()) {
            rssPeak = Math.max(rssPeak, server.rssBytes() ?? 0);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        let result: AttackResult | undefined;
        let attackError: string | undefined;
        try {
          result = await attack.run({ port: server.port, target: TARGET_ID, until: performance.now() + attack.checkMs, scale: attack.checkScale });
        } catch (err) {
          attackError = (err as Error).message;
        }
        sampling = false;
        await sampler;
        record.result = result;
        if (attackError) record.attackError = attackError;
        if (!server.alive()) {
          return { verdict: 'FAIL', reason: `breaks survives-hostile-input: the server died during the attack (${await server.exitInfo()})`, evidence: write({}) };
        }
        const after = await honestPair(server.port, bounds.honestMs);
        const rssEnd = server.rssBytes();
        const memory = { startBytes: rssStart, peakBytes: rssPeak, endBytes: rssEnd };
        record.honestAfter = after;
        record.memory = memory;
        // Refused connections may come before the exit is seen here: a failed pair waits a moment for it.
        if (!after.ok && await exitedWithin(server, EXIT_NOTICE_MS)) {
          return { verdict: 'FAIL', reason: `breaks survives-hostile-input: the server died during the attack (${await server.exitInfo()})`, evidence: write({}) };
        }
        if (!after.ok) return { verdict: 'FAIL', reason: `breaks survives-hostile-input: after the attack, ${after.detail}`, evidence: write({}) };
        if (attackError) return { verdict: 'INCONCLUSIVE', reason: `the attack itself broke: ${attackError}`, evidence: write({}) };
        if (rssStart === undefined) return { verdict: 'INCONCLUSIVE', reason: 'alive and serving, but its memory could not be read (no /proc)', evidence: write({}) };
        const growth = rssPeak - rssStart;
        if (growth > bounds.rssGrowthBytes) {
          return { verdict: 'FAIL', reason: `breaks survives-hostile-input: RSS grew ${(growth / MIB).toFixed(0)} MiB during the attack (bound ${(bounds.rssGrowthBytes / MIB).toFixed(0)} MiB)`, evidence: write({}) };
        }
        return {
          verdict: 'PASS',
          reason: `alive; an honest pair chatted in ${after.ms.toFixed(0)} ms after; RSS +${(growth / MIB).toFixed(1)} MiB at peak (bound ${(bounds.rssGrowthBytes / MIB).toFixed(0)}); ${result!.did}`,
          evidence: write({}),
        };
      } finally {
        await stopQuietly(server);
      }
    },
  };
}

/** Did the process exit (now, or within `ms`)? */
async function exitedWithin(server: SpawnedServer, ms: number): Promise<boolean> {
  if (!server.alive()) return true;
  let timer: NodeJS.Timeout | undefined;
  const gone = await Promise.race([server.exitInfo().then(() => true), new Promise<false>((r) => { timer = setTimeout(r, ms, false); })]);
  clearTimeout(timer);
  return gone;
}

async function stopQuietly(server: SpawnedServer): Promise<void> {
  await server.stop().catch(() => {});
}
