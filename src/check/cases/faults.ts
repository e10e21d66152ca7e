// Faults: every shipped experiment (topologies/experiments/*.json) run by the experiment runner
// with the server under test's placement; its verdict is the case's, its summary the evidence.
// A foreign server under test (--impl) runs on every server, and again on the odd ids beside
// ours (the /mixed cases); a finding the runner puts down to it fails it, naming the rule.
import { basename, join, relative } from 'node:path';
import { loadExperimentFile } from '../../experiment/parse.ts';
import { runExperiment } from '../../experiment/runner.ts';
import { drawFolderPictures } from '../../report/render.ts';
import { diffLines, flowWords } from '../../experiment/verdict.ts';
import type { ImplSpec } from '../../topology/impl-spec.ts';
import { withImpl } from '../../topology/impl.ts';
import type { Topology } from '../../topology/schema.ts';
import type { RuleId } from '../rules.ts';
import type { CaseOutcome, CheckCase } from '../types.ts';
import { Late, within } from './bounded.ts';
import { DIED, scenarioFilesIn } from './conformance.ts';
import { foreignRuleOf } from './foreign-rule.ts';

/** An experiment's time bound (the longest ship at ~30 s on a quiet machine). */
const EXPERIMENT_BOUND_MS = 240_000;

const RULES: Record<string, RuleId[]> = {
  'client-reconnect': ['quit-relayed', 'registrations-to-clients'],
  'quit-during-load': ['quit-relayed', 'chat-once'],
  'latency-longest-path': ['chat-once', 'chat-next-hop'],
  'bandwidth-overflow': ['chat-once', 'chat-next-hop'],
};

/** Beside partition-heal, the experiments a foreign implementation's --quick runs (every server theirs). */
const FOREIGN_QUICK = new Set(['silent-partition', 'crash-restart']);

/** Where a foreign server under test runs in a case: every server, or the odd ids beside ours. */
export type ForeignShare = 'all' | 'mixed';

/** `topology` with `impl` on every server ('all') or on the odd ids ('mixed'; the rest stay ours). */
export function foreignTopology(topology: Topology, impl: ImplSpec, share: ForeignShare): Topology {
  const odd = topology.servers.map((s) => s.id).filter((id) => id % 2 === 1);
  return withImpl(topology, impl, share === 'all' ? undefined : odd, share === 'mixed' ? 'the mixed faults cases (odd ids)' : '--impl');
}

/** The shipped experiments as cases; `foreign`: each once with the implementation on every server, once mixed with ours. */
export function experimentCases(dir: string, foreign = false): CheckCase[] {
  const shares: Array<ForeignShare | undefined> = foreign ? ['all', 'mixed'] : [undefined];
  return scenarioFilesIn(dir, '.json').flatMap((file) => shares.map((share) => experimentCase(file, share)));
}

function experimentCase(file: string, share: ForeignShare | undefined): CheckCase {
  const name = basename(file, '.json');
  const foreignRule = share ? foreignRuleOf(loadExperimentFile(file)) : undefined;
  return {
    id: `faults/${name}${share === 'mixed' ? '/mixed' : ''}`, section: 'faults',
    title: `experiment ${name}${share === 'all' ? ' (every server the implementation under test)' : share === 'mixed' ? ' (the implementation on the odd ids, ours on the rest)' : ''}`,
    // Every experiment's traffic audit counts duplicated chats: chat-once, whatever else it checks.
    rules: [...new Set<RuleId>([...(foreignRule ? [foreignRule.rule] : []), ...(RULES[name] ?? ['netsplit-propagated', 'server-registration']), 'chat-once'])],
    // A foreign implementation's --quick shows each of its known limits once: liveness, server quit, netsplit.
    quick: name === 'partition-heal' || (share === 'all' && FOREIGN_QUICK.has(name)),
    async run(ctx): Promise<CaseOutcome> {
      const loaded = loadExperimentFile(file);
      const impl = ctx.sut.impl;
      if (share && !impl) return { verdict: 'NOT APPLICABLE', reason: 'a case for a foreign implementation, and the server under test is ours', evidence: [] };
      const exp = share && impl ? { ...loaded, topology: foreignTopology(loaded.topology, impl, share) } : loaded;
      const log: string[] = [];
      try {
        // The runner stops its simulation itself; a run past the bound is left to finish in the background.
        const s = await within(EXPERIMENT_BOUND_MS, runExperiment(exp, {
          file, command: `npm run check (experiment ${file})`, outDir: ctx.dir, placement: ctx.sut.placement, log: (l) => log.push(l), pictures: drawFolderPictures,
        }), () => {});
        const folder = relative(ctx.dir, s.folder);
        const evidence = ['summary.md', 'summary.json', 'timeline.svg'].map((f) => join(folder, f));
        const failedChecks = s.checks.filter((c) => !c.passed);
        const badFlows = s.verdict.traffic.filter((f) => !f.ok);
        // The check judges the implementation: what the runner forgave it as a finding is its failure here.
        const findings = [...s.checks.flatMap((c) => (c.findings ?? []).map((f) => `check ${c.check}: ${f}`)), ...(s.verdict.findings ?? []).map((f) => `final verdict: ${f}`)];
        if (foreignRule && findings.length) {
          const ours = s.passed ? '' : ' (and ours failed too: see summary.md)';
          return { verdict: 'FAIL', reason: `breaks ${foreignRule.rule}: ${foreignRule.words}${ours}; ${findings.length} finding${findings.length > 1 ? 's' : ''}, first: ${findings[0]!}`.slice(0, 400), evidence };
        }
        if (s.passed) return { verdict: 'PASS', reason: `consistent (${s.verdict.consistency.parts.length} part${s.verdict.consistency.parts.length > 1 ? 's' : ''}), ${s.checks.length} checks passed, traffic clean`, evidence };
        // The runner measured this machine's own lateness: a check missed by no more than it
        // explains makes the run INCONCLUSIVE (experiment/host-lateness.ts); a larger miss is the
        // server's.
        if (s.outcome === 'INCONCLUSIVE') {
          const late = failedChecks.map((c) => `${c.check}: took ${c.tookMs?.toFixed(0)} ms (host late by ${c.hostLateMs} ms${c.lateThread ? ` in ${c.lateThread}` : ''})`).join('; ');
          return { verdict: 'INCONCLUSIVE', reason: `consistent and traffic clean; ${failedChecks.length} check${failedChecks.length > 1 ? 's' : ''} missed by no more than this machine's measured lateness: ${late}`.slice(0, 300), evidence };
        }
        const why = [
          ...failedChecks.filter((c) => c.tookMs === null).map((c) => `check ${c.check} never happened${c.detail ? `: ${c.detail}` : ''}`),
          ...failedChecks.filter((c) => c.tookMs !== null).map((c) => `check ${c.check} took ${c.tookMs!.toFixed(0)} ms, more than this machine's lateness explains (${c.allowanceMs ?? 0} ms)`),
          ...s.actions.filter((a) => a.error).map((a) => `action ${a.did}: ${a.error}`),
          ...(s.verdict.consistency.consistent ? [] : [`inconsistent: ${diffLines(s.verdict.consistency.diff, 2).join('; ')}`]),
          ...badFlows.map((f) => `traffic ${f.from}->${f.to}: ${flowWords(f)}`),
        ];
        return { verdict: 'FAIL', reason: (why[0] ?? 'failed').slice(0, 240) + (why.length > 1 ? ` (+${why.length - 1} more)` : ''), evidence };
      } catch (err) {
        const message = (err as Error).message.split('\n')[0]!;
        if (err instanceof Late) return { verdict: 'INCONCLUSIVE', reason: `${message} (a loaded machine, or a server that stopped answering)`, evidence: [] };
        const died = DIED.test((err as Error).message);
        return { verdict: died ? 'FAIL' : 'INCONCLUSIVE', reason: died ? `a server died: ${message}` : `the run broke: ${message}`, evidence: [] };
      }
    },
  };
}
