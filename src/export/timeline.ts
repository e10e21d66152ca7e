// The experiment's actions on one clock, as the runner plays them: an entry's `at`, else the
// previous entry's time (runner.ts; a check is counted as taking no time, so a later entry
// without `at` is placed at its earliest). Shared by the Chaos Mesh mapping and the toxiproxy check.
import { type Action, type Experiment, isCheck } from '../experiment/schema.ts';

export interface TimedAction {
  /** index in the file's timeline (for messages: `timeline.<index>`) */
  index: number;
  at: number;
  /** false when the entry has no `at` and follows a check, so its time is an estimate */
  exact: boolean;
  action: Action;
}

/** A note for the user about something the export cannot carry exactly; never silent. */
export interface ExportWarning {
  /** where in the experiment file, e.g. "timeline.3" */
  path: string;
  message: string;
}

export function timedActions(exp: Experiment): { actions: TimedAction[]; endMs: number } {
  let last = 0;
  // An entry without `at` right after actions is at their time; after a check it is later by
  // however long the check took, which only the live run knows.
  let afterCheck = false;
  const all = exp.timeline.map((e, index) => {
    const at = e.at ?? last;
    last = at;
    if (e.at !== undefined) afterCheck = false;
    const exact = !afterCheck;
    if (isCheck(e)) afterCheck = true;
    return { e, index, at, exact };
  });
  const actions = all
    .filter((x) => !isCheck(x.e))
    .map((x): TimedAction => ({ index: x.index, at: x.at, exact: x.exact, action: x.e as Action }))
    .sort((x, y) => x.at - y.at || x.index - y.index);
  const endMs = exp.duration ?? Math.max(last + 1000, ...exp.traffic.map((f) => f.stop ?? 0));
  return { actions, endMs };
}
