// What a check is made of: cases, each judged PASS / FAIL / INCONCLUSIVE / NOT APPLICABLE with
// a one-line reason and its evidence (files in the results folder), run against one server under test.
import type { RuleId } from './rules.ts';
import type { ServerUnderTest } from './server-under-test.ts';

export const VERDICTS = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT APPLICABLE'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const SECTIONS = ['conformance', 'faults', 'robustness', 'load', 'interop'] as const;
export type Section = (typeof SECTIONS)[number];

export interface CaseResult {
  id: string;
  section: Section;
  title: string;
  verdict: Verdict;
  /** one line: why this verdict */
  reason: string;
  /** the rules this case can catch (src/check/rules.ts) */
  rules: RuleId[];
  /** files of evidence, relative to the report's folder */
  evidence: string[];
  ms: number;
}

export interface CaseContext {
  sut: ServerUnderTest;
  /** the case's own folder for evidence (absolute) */
  dir: string;
  /** `dir` relative to the report's folder, for links */
  rel: string;
  log: (line: string) => void;
}

export interface CaseOutcome {
  verdict: Verdict;
  reason: string;
  /** file names inside the case's folder (or paths relative to it) */
  evidence: string[];
}

export interface CheckCase {
  id: string;
  section: Section;
  title: string;
  rules: RuleId[];
  /** part of --quick */
  quick: boolean;
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

export interface CheckReport {
  tool: 'crc-sim check';
  command: string;
  started: string;
  durationMs: number;
  server: string;
  quick: boolean;
  /** sections this version did not run, each with why */
  notRun: Array<{ section: Section; why: string }>;
  cases: CaseResult[];
  counts: Record<Verdict, number>;
  /** the process's exit code: 0 all passed (or not applicable), 1 a failure, 3 inconclusive only */
  exitCode: number;
}

export const EXIT_FAILED = 1;
export const EXIT_INCONCLUSIVE = 3;
