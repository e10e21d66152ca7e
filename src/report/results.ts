// Reading an experiment's results folder: events.jsonl (every line checked, so a bad one is
// named by its line number) and summary.json when it is there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventRecord, ExperimentSummary } from '../experiment/summary.ts';
import { readJsonFile } from '../util/json-file.ts';

export class ReportError extends Error {
  override readonly name = 'ReportError';
}

export interface Results {
  folder: string;
  /** in the order recorded (per node, the order they happened in) */
  events: EventRecord[];
  summary: ExperimentSummary | undefined;
  /** the experiment's start (ms since the epoch): rel 0 */
  t0: number;
}

export const EVENTS_FILE = 'events.jsonl';
export const SUMMARY_FILE = 'summary.json';

export function readEvents(path: string): EventRecord[] {
  if (!existsSync(path)) throw new ReportError(`${path}: no such file (a results folder holds events.jsonl)`);
  const events: EventRecord[] = [];
  const text = readFileSync(path, 'utf8');
  let line = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    if (end > start) events.push(parseLine(text.slice(start, end), path, line));
    start = end + 1;
  }
  return events;
}

function parseLine(text: string, path: string, line: number): EventRecord {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new ReportError(`${path}:${line}: not valid JSON: ${(err as Error).message}`);
  }
  const r = o as { type?: unknown; t?: unknown } | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ReportError(`${path}:${line}: not an event (a JSON object with "type" and "t")`);
  if (typeof r.type !== 'string') throw new ReportError(`${path}:${line}: an event needs a "type" string`);
  if (typeof r.t !== 'number' || !Number.isFinite(r.t)) throw new ReportError(`${path}:${line}: an event needs a time "t" (ms since the epoch)`);
  if (r.type === 'action' && !('spec' in r)) withSpec(r as Record<string, unknown>, path, line);
  return o as EventRecord;
}

/**
 * Folders from before actions were recorded with their spec: rebuild it from `did`, which the
 * runner writes as "<do> <the other fields as JSON>".
 */
function withSpec(r: Record<string, unknown>, path: string, line: number): void {
  const m = typeof r.did === 'string' ? /^(\w+) (\{.*\})$/.exec(r.did) : null;
  try {
    if (m) r.spec = { do: m[1], ...JSON.parse(m[2]!) };
  } catch {
    // not JSON after all: reported below
  }
  if (!r.spec) throw new ReportError(`${path}:${line}: an action needs its "spec" (or a "did" like 'crash {"server":4}')`);
}

export function readResults(folder: string): Results {
  const events = readEvents(join(folder, EVENTS_FILE));
  if (events.length === 0) throw new ReportError(`${join(folder, EVENTS_FILE)}: no events`);
  const summaryPath = join(folder, SUMMARY_FILE);
  const summary = existsSync(summaryPath) ? readJsonFile(summaryPath, (m) => new ReportError(m)) as ExperimentSummary : undefined;
  const start = events.find((e) => e.type === 'experiment-start');
  return { folder, events, summary, t0: start?.t ?? events.reduce((m, e) => Math.min(m, e.t), Infinity) };
}
