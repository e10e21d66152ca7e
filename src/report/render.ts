// Drawing a results folder's pictures: lamport.svg and timeline.svg beside events.jsonl, and
// (for `npm run report`) summary.json and summary.md rewritten to link them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckResult, type ExperimentSummary, type Pictures, replayCommand, summaryMarkdown } from '../experiment/summary.ts';
import { faultsOf } from './faults.ts';
import { matchFrames } from './frames.ts';
import { lamportSvg } from './lamport.ts';
import { clientServers, serverLanes } from './lanes.ts';
import { overviewPanel, zoomPanels } from './panels.ts';
import { type Results, SUMMARY_FILE, readResults } from './results.ts';
import { knownHostSeries, timelineSvg } from './timeline.ts';

export const PICTURES: Pictures = { lamport: 'lamport.svg', timeline: 'timeline.svg' };

const count = (n: number) => n.toLocaleString('en-US');

/** Draw both pictures from the folder's events; returns their file names. */
export function drawPictures(r: Results): Pictures {
  const { events, t0 } = r;
  let from = Infinity;
  let to = -Infinity;
  for (const e of events) {
    from = Math.min(from, e.t);
    to = Math.max(to, e.t);
  }
  const checks: CheckResult[] = [];
  let name = r.summary?.name ?? r.folder;
  for (const e of events) {
    if (e.type === 'check') checks.push(e);
    else if (e.type === 'experiment-start') name = e.name;
  }
  const lanes = serverLanes(events);
  const faults = faultsOf(events, t0, to, clientServers(events));

  const match = matchFrames(events);
  const lost = match.frames.filter((f) => f.receivedAt === null).length;
  const overview = overviewPanel(match.frames, from, to, `Whole run: ${count(match.frames.length)} server-to-server frames, ${count(lost)} lost`);
  const extra = [
    match.unaddressed ? `; ${count(match.unaddressed)} sent on links whose far end never registered (not drawn)` : '',
    match.unmatchedReceives ? `; ${count(match.unmatchedReceives)} receives matched no send (not drawn)` : '',
  ].join('');
  overview.note += extra;
  if (match.frames.length === 0) overview.note = 'no frames traced (the experiment ran with "traceFrames": false?)';
  writeFileSync(join(r.folder, PICTURES.lamport), lamportSvg({
    title: `${name}: Lamport diagram (time flows down; seconds since the experiment's start)`,
    lanes, faults, t0, overview, zooms: zoomPanels(match.frames, faults.actions, checks, t0),
  }));
  writeFileSync(join(r.folder, PICTURES.timeline), timelineSvg({
    title: `${name}: timeline`, lanes, series: knownHostSeries(events, lanes, from), faults, checks, t0, from, to,
  }));
  return PICTURES;
}

/** Draw both pictures of a results folder (what runExperiment's `pictures` option takes). */
export function drawFolderPictures(folder: string): Pictures {
  return drawPictures(readResults(folder));
}

/** `npm run report -- DIR`: draw the pictures again and link them from summary.json and summary.md. */
export function rerender(folder: string): { pictures: Pictures; summary: ExperimentSummary | undefined } {
  const r = readResults(folder);
  const pictures = drawPictures(r);
  if (r.summary) {
    // A folder from before replays were printed gets its replay line too.
    const summary = { ...r.summary, replay: r.summary.replay ?? replayCommand(r.summary.file), pictures };
    writeFileSync(join(folder, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
    writeFileSync(join(folder, 'summary.md'), summaryMarkdown(summary));
    return { pictures, summary };
  }
  return { pictures, summary: undefined };
}
