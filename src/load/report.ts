// A load run's report as data (report.json): what ran (the command, its seed, the replay),
// where, and every run's summary; written with report.md and the SVG charts into one folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from '../util/machine.ts';
import { renderLoadCharts } from './charts.ts';
import type { FaultWindow, PlayedAction } from './faults.ts';
import type { FindMaxResult } from './find-max.ts';
import { loadMarkdown } from './report-md.ts';
import type { RunSummary } from './summary.ts';

export interface LoadReport {
  command: string;
  /** the command line that replays this run (same flags, same seed) */
  replay: string;
  seed: number;
  started: string;
  machine: MachineInfo;
  topology: { name: string; servers: number; placement: string; serversPerWorker: number };
  pattern: string;
  flows: number;
  size: number;
  generators: number;
  mode: 'run' | 'ramp' | 'find-max';
  interrupted: boolean;
  runs: RunSummary[];
  findMax?: Omit<FindMaxResult, 'runs'>;
  experiment?: { file: string; played: PlayedAction[]; skipped: string[]; windows: FaultWindow[] };
  /** server id -> name */
  names: Record<string, string>;
  charts: string[];
}

/** Write report.json, report.md and the charts into `dir`; returns the files written. */
export async function writeLoadReport(report: LoadReport, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  report.charts = await renderLoadCharts(report, dir);
  const files = [join(dir, 'report.json'), join(dir, 'report.md')];
  writeFileSync(files[0]!, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(files[1]!, loadMarkdown(report));
  return [...files, ...report.charts.map((c) => join(dir, c))];
}
