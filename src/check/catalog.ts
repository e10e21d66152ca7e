// Which cases a check runs: conformance (our scenarios, the course's), faults (the shipped
// experiments), robustness (the hostile cases), interop (a foreign impl only), in that order; --quick keeps a subset, --only
// keeps the cases whose id starts with one of its prefixes.
import { courseCases, scenarioCase, scenarioFilesIn } from './cases/conformance.ts';
import { experimentCases } from './cases/faults.ts';
import { interopCases } from './cases/interop.ts';
import { robustnessCase } from './cases/robustness.ts';
import { HOSTILE } from './hostile/index.ts';
import type { CheckCase, Section } from './types.ts';

export interface CatalogOptions {
  quick: boolean;
  /** our scenarios (topologies/scenarios) */
  scenarios: string;
  /** the course's reference scenarios (../shared/crc/reference-scenarios) */
  reference: string;
  /** the shipped experiments (topologies/experiments) */
  experiments: string;
  /** id prefixes to keep (none: all) */
  only?: string[];
  /** the server under test is foreign (--impl): the faults run it on every server and mixed with ours */
  foreign?: boolean;
}

/** Sections this version does not run, and why; the report lists them, never as PASS. */
export const NOT_RUN: Array<{ section: Section; why: string }> = [
  { section: 'load', why: 'throughput and latency under load (npm run bench / npm run load) are not judged by the check yet' },
];

/** With our own server under test, interop (a course implementation with ours) has nothing to judge. */
export const NOT_RUN_OURS: Array<{ section: Section; why: string }> = [
  ...NOT_RUN,
  { section: 'interop', why: 'interop is a course implementation with crc-server: run with --impl course:DIR' },
];

export function catalog(o: CatalogOptions): CheckCase[] {
  const all = [
    ...scenarioFilesIn(o.scenarios, '.json').map((f) => scenarioCase(f, 'ours')),
    ...courseCases(o.reference),
    ...experimentCases(o.experiments, o.foreign ?? false),
    ...HOSTILE.map((a) => robustnessCase(a)),
    ...(o.foreign ? interopCases() : []),
  ];
  let cases = o.quick ? all.filter((c) => c.quick) : all;
  if (o.only?.length) cases = cases.filter((c) => o.only!.some((p) => c.id.startsWith(p)));
  return cases;
}
