// The experiment file as explore writes and edits it: plain JSON in the shape of
// src/experiment/schema.ts, every time a number of ms (so schedules can be shifted and halved),
// checked by parseExperiment before anything runs it.
import type { Outcome } from '../experiment/host-lateness.ts';
import type { Topology } from '../topology/schema.ts';

/** A traffic flow: chats from one client to another for the whole run. */
export interface FlowDoc {
  from: number;
  to: number;
  rate: number;
  size?: number;
}

/** A timeline entry: an action ("do") or a check ("expect"); `at` in ms. */
export interface EntryDoc {
  at?: number;
  do?: string;
  expect?: string;
  [field: string]: unknown;
}

export interface ExperimentFile {
  name: string;
  description?: string;
  /** a generator spec, or the topology itself (once the shrinker has dropped servers) */
  topology: string | Topology;
  seed: number;
  placement?: string;
  traffic: FlowDoc[];
  timeline: EntryDoc[];
  /** ms: the last action's time plus the settle time */
  duration: number;
  traceFrames?: boolean | 'control';
}

/**
 * What one run of an experiment came to: its outcome and why it failed, as failure kinds
 * ("check consistent", "traffic: lost outside any fault", …; empty when it passed). The shrinker
 * keeps a smaller file only if it fails with the same first kind.
 */
export interface RunResult {
  outcome: Outcome;
  why: string[];
  /** a line for people: the first problems */
  detail?: string;
}

/** Runs one experiment file (in sim, on real ports, or a synthetic predicate in tests). */
export type RunExperimentFile = (doc: ExperimentFile) => Promise<RunResult>;

export const isAction = (e: EntryDoc): boolean => typeof e.do === 'string';

/** The time of the last action (0 with none): the final check starts there. */
export function lastActionAt(doc: ExperimentFile): number {
  return doc.timeline.reduce((m, e) => (isAction(e) ? Math.max(m, e.at ?? 0) : m), 0);
}

/** "a-b" with the smaller id first, so "4-2" and "2-4" are the same link. */
export function linkKey(link: string): string {
  const [a, b] = link.split('-').map(Number) as [number, number];
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** A lower-case name for files and results folders from a topology spec ("tree:30" -> "tree-30"). */
export function slug(spec: string): string {
  const base = spec.replace(/^.*\//, '').replace(/\.json$/, '');
  return base.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'topology';
}
