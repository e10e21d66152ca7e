// Which rule a foreign server broke, when an experiment's findings put problems down to it: the
// experiment's faults say which. A silent fault (or a starved link) is found only by liveness; a
// crashed server only by server-quit handling; a lost link is a netsplit to pass on.
import type { Experiment } from '../../experiment/schema.ts';
import type { RuleId } from '../rules.ts';

export interface ForeignRule {
  rule: RuleId;
  /** what the server failed to do, in words */
  words: string;
}

export function foreignRuleOf(exp: Experiment): ForeignRule {
  const actions = exp.timeline.filter((a) => 'do' in a) as Array<{ do: string; mode?: string }>;
  if (actions.some((a) => a.mode === 'silent' || a.do === 'toxic')) return { rule: 'liveness', words: 'a silent (or starved) link was never detected' };
  if (actions.some((a) => a.do === 'crash')) return { rule: 'server-quit', words: 'a crashed neighbour was never forgotten nor passed on' };
  if (actions.some((a) => a.do === 'down' || a.do === 'partition' || a.do === 'remove')) return { rule: 'netsplit-propagated', words: 'a lost server link was never passed on' };
  return { rule: 'quit-relayed', words: 'what it knows disagreed with the network' };
}
