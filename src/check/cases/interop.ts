// Interop: the implementation under test with our crc-server, in both join directions, through
// the interop matrix (src/check/interop/matrix.ts). Only for a course-layout folder: our server
// with itself is not interop, so with --impl ours these cases are NOT APPLICABLE.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIRECTIONS, type Direction, InteropFailure, runInteropMatrix } from '../interop/matrix.ts';
import type { CaseOutcome, CheckCase } from '../types.ts';

const slug = (d: Direction) => d.replace(/ /g, '-');

export function interopCases(): CheckCase[] {
  return DIRECTIONS.map((direction) => ({
    id: `interop/${slug(direction)}`, section: 'interop' as const,
    title: `with crc-server, ${direction}: register, chat both ways, client quit, netsplit, re-join, no spurious status`,
    rules: ['interop', 'registrations-to-clients', 'chat-once', 'quit-relayed', 'welcome-text'], quick: true,
    async run(ctx): Promise<CaseOutcome> {
      const impl = ctx.sut.impl;
      if (!impl || !('course' in impl)) return { verdict: 'NOT APPLICABLE', reason: 'interop is a course-layout implementation with crc-server (--impl course:DIR)', evidence: [] };
      const write = (lines: string[], output: string) => {
        writeFileSync(join(ctx.dir, 'steps.txt'), [`${direction}; course folder ${impl.course}`, '', ...lines, '', 'process output (tails):', output, ''].join('\n'));
        return ['steps.txt'];
      };
      try {
        const r = await runInteropMatrix({ dir: impl.course, direction, onStep: (s) => ctx.log(s) });
        return { verdict: 'PASS', reason: `${r.steps.length} steps held, ending with "${r.steps.at(-1)}"`, evidence: write(r.steps.map((s) => `held: ${s}`), r.output) };
      } catch (err) {
        if (!(err instanceof InteropFailure)) throw err;
        const evidence = write([...err.steps.map((s) => `held: ${s}`), `FAILED: ${err.message}`], err.output);
        // A start-up that timed out is the machine as likely as the server.
        const late = /^start/.test(err.step) && /within \d+ ms|timed out/.test(err.message);
        return { verdict: late ? 'INCONCLUSIVE' : 'FAIL', reason: `breaks interop at "${err.step}": ${err.message.slice(err.step.length + 2, 260)}`, evidence };
      }
    },
  }));
}
