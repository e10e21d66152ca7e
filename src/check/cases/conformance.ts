// Conformance: scenario files (our topologies/scenarios/*.json and the course's
// reference-scenarios/*.cfg) run by the scenario runner on the processes backend, whose
// servers are the server under test; judged on the final state each host reports.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WorkerBackend } from '../../coordinator/scenario-backend.ts';
import { compare, playScenario, loadScenarioFile } from '../../scenario/runner.ts';
import type { Scenario } from '../../scenario/model.ts';
import type { RuleId } from '../rules.ts';
import type { CheckCase, CaseOutcome } from '../types.ts';
import { Late, within } from './bounded.ts';

/** A scenario's time bound; the largest (eleven servers, eight clients) takes ~5 s on a quiet machine. */
const SCENARIO_BOUND_MS = 120_000;

/** A server process's death, as the placements word it (ours, or a foreign impl's). */
export const DIED = /(crc-server process|course:\S+ server) .* (exited|was killed)/;

/** What a scenario's expectations check, by its number (the course's numbering: 1_x joins, ... 6_x quits). */
function rulesOf(file: string): RuleId[] {
  const n = basename(file).slice(0, 3);
  if (n.startsWith('1_') || n.startsWith('2_')) return ['server-registration', 'answers'];
  if (n.startsWith('3_')) return ['registrations-to-clients', 'welcome-text', 'server-registration', 'answers'];
  if (n.startsWith('4_')) return ['chat-once', 'chat-next-hop', 'answers'];
  if (n === '5_1') return ['welcome-text', 'answers'];
  if (n === '5_2' || n === '5_3') return ['duplicate-id-status', 'answers'];
  if (n.startsWith('5_')) return ['answers'];
  if (n.startsWith('6_')) return ['quit-relayed', 'registrations-to-clients', 'answers'];
  return ['answers'];
}

/** Our scenarios that make up --quick: one of each kind of rule. */
const QUICK = new Set(['2_2', '3_2', '4_2', '5_1', '5_3', '6_2']);

export function scenarioFilesIn(dir: string, ext: '.json' | '.cfg'): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f));
}

export function scenarioCase(file: string, origin: 'ours' | 'course'): CheckCase {
  const stem = basename(file).replace(/\.(json|cfg)$/, '');
  return {
    id: `conformance/${origin}/${stem}`, section: 'conformance',
    title: `${origin === 'ours' ? 'our scenario' : "the course's scenario"} ${stem}`,
    rules: rulesOf(file), quick: origin === 'ours' && QUICK.has(stem.slice(0, 3)),
    async run(ctx): Promise<CaseOutcome> {
      const impl = ctx.sut.impl;
      const sc = impl ? withoutJoinFrames(loadScenarioFile(file)) : loadScenarioFile(file);
      const backend = new WorkerBackend({ placement: ctx.sut.placement, impl });
      const steps: string[] = [];
      let closed = false;
      const close = async () => { if (!closed) { closed = true; await backend.close(); } };
      const evidence = (lines: string[]) => {
        const note = impl ? ['servers: every one the implementation under test; join frames are not observable through the adapter, so not compared', ''] : [];
        writeFileSync(join(ctx.dir, 'result.txt'), [`scenario ${file}`, '', ...note, 'steps:', ...steps.map((s) => `  ${s}`), '', ...lines, ''].join('\n'));
        return ['result.txt'];
      };
      try {
        const snap = await within(SCENARIO_BOUND_MS, playScenario(sc, backend, { onStep: (i, n, d) => steps.push(`${i + 1}/${n} ${d}`) }), close);
        const failures = compare(sc, snap);
        writeFileSync(join(ctx.dir, 'snapshot.json'), JSON.stringify(snap, null, 2) + '\n');
        const files = [...evidence(failures.length ? ['differences from the expected final state:', ...failures.map((f) => `  ${f}`)] : ['every expected field matched']), 'snapshot.json'];
        if (failures.length === 0) return { verdict: 'PASS', reason: `final state as expected (${Object.keys(sc.expect).length} hosts compared)`, evidence: files };
        return { verdict: 'FAIL', reason: `${failures.length} difference${failures.length > 1 ? 's' : ''}; first: ${failures[0]!.slice(0, 200)}`, evidence: files };
      } catch (err) {
        const message = (err as Error).message.split('\n')[0]!;
        const files = evidence([`error: ${(err as Error).message}`]);
        if (err instanceof Late) return { verdict: 'INCONCLUSIVE', reason: `${message} (a loaded machine, or a server that stopped answering)`, evidence: files };
        // A server process that died under an ordinary scenario failed it; anything else is ours to explain.
        const died = DIED.test((err as Error).message);
        return { verdict: died ? 'FAIL' : 'INCONCLUSIVE', reason: died ? `a server died: ${message}` : `the run broke: ${message}`, evidence: files };
      } finally {
        await close();
      }
    },
  };
}

/** The scenario without its expected join frames (our servers record them; a course server's adapter cannot). */
function withoutJoinFrames(sc: Scenario): Scenario {
  return { ...sc, expect: Object.fromEntries(Object.entries(sc.expect).map(([host, e]) => [host, { ...e, joinFrames: undefined }])) };
}

/** The course's reference scenarios, or one NOT APPLICABLE case saying why there are none. */
export function courseCases(dir: string): CheckCase[] {
  if (!existsSync(dir) || scenarioFilesIn(dir, '.cfg').length === 0) {
    return [{
      id: 'conformance/course', section: 'conformance', title: "the course's reference scenarios", rules: [], quick: false,
      run: async () => ({ verdict: 'NOT APPLICABLE', reason: `no course scenarios (*.cfg) in ${dir} (pass --reference DIR)`, evidence: [] }),
    }];
  }
  return scenarioFilesIn(dir, '.cfg').map((f) => scenarioCase(f, 'course'));
}
