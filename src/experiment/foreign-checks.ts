// A timeline check that failed in a tree with foreign servers: which nodes were wrong about
// which hosts, read from the Ledger as the check's own wait reads it, then split into ours and
// findings about foreign servers (foreign-findings.ts). A check whose every problem is a
// foreign server's passes as far as ours go, with the findings beside it.
import type { ExperimentNetwork } from './network.ts';
import type { HostDiff } from './consistency.ts';
import { type NodeProblem, attribute, findingText, problemOf } from './foreign-findings.ts';
import type { Check } from './schema.ts';

/** What the Ledger says is wrong now for check `c` (a converged, forgotten or known wait). */
export function ledgerProblems(sim: ExperimentNetwork, c: Check): NodeProblem[] {
  const { servers, clients } = sim.live();
  const serverOf = new Map(clients.map((x) => [x.id, x.server]));
  const nodes = [...servers, ...clients.map((x) => x.id)];
  const out: NodeProblem[] = [];
  if (c.expect === 'forgotten') {
    const by = c.by ? new Set(c.by) : undefined;
    for (const n of nodes) {
      if (by && !by.has(n) && !by.has(serverOf.get(n) ?? -1)) continue;
      if (sim.knownBy(n).has(c.id)) out.push({ node: n, what: 'extra', ids: [c.id], text: `still knows ${c.id}` });
    }
  } else if (c.expect === 'known') {
    const should = [...servers, ...(servers.includes(c.id) ? [] : clients.map((x) => x.id))].filter((n) => n !== c.id);
    for (const n of should) if (!sim.knownBy(n).has(c.id)) out.push({ node: n, what: 'missing', ids: [c.id], text: `does not know ${c.id}` });
  } else {
    for (const n of nodes) {
      const knows = sim.knownBy(n);
      const expected = sim.expectedOf(n);
      const missing = expected.filter((id) => !knows.has(id));
      const want = new Set(expected);
      const extra = [...knows].filter((id) => !want.has(id));
      if (missing.length) out.push({ node: n, what: 'missing', ids: missing, text: `missing [${missing.join(', ')}]` });
      if (extra.length) out.push({ node: n, what: 'extra', ids: extra, text: `extra [${extra.join(', ')}]` });
    }
  }
  return out;
}

/** The problems of a consistency snapshot, one per line of its diff. */
export function diffProblems(diff: readonly HostDiff[]): NodeProblem[] {
  return diff.flatMap((d) => d.problems.map((p) => problemOf(d.id, p)));
}

/** Ours (as detail lines) and the findings about foreign servers, for a failed check. */
export function splitCheckProblems(sim: ExperimentNetwork, problems: readonly NodeProblem[]): { ours: string[]; findings: string[] } {
  const { ours, findings } = attribute(sim.topology, problems, (id) => sim.nameOf(id));
  return { ours: ours.map((p) => `${sim.nameOf(p.node)} (${p.node}): ${p.text}`), findings: findings.map((f) => findingText(f, sim.topology)) };
}
