// A small real experiment (chain:3, a quit under traffic) draws both pictures: the Lamport
// diagram has exactly one arrow per server-to-server frame, and `npm run report` draws the same
// again from a copy of the folder. With "traceFrames": false no frame is traced.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { type ExperimentSummary, runExperiment } from '../../src/experiment/runner.ts';
import type { EventRecord } from '../../src/experiment/summary.ts';
import { matchFrames } from '../../src/report/frames.ts';
import { drawFolderPictures } from '../../src/report/render.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { ROOT } from '../cli/helpers.ts';

// s1-s2-s3; clients 100001 on s1, 100002 on s2, 100003 on s3.
const topology = resolveTopology('chain:3', { clients: 3 });

const lines = (folder: string) => readFileSync(join(folder, 'events.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const between = (s: string, from: string, to: string) => s.slice(s.indexOf(from), s.includes(to) ? s.indexOf(to) : undefined);

function report(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/report.js'), ...args], { encoding: 'utf8' });
}

describe('pictures of a real experiment', () => {
  let summary: ExperimentSummary;
  const out = mkdtempSync(join(tmpdir(), 'crc-pictures-'));
  beforeAll(async () => {
    const exp = parseExperiment({
      name: 'tiny-pictures',
      topology,
      seed: 4,
      traffic: [{ from: 100001, to: 100003, rate: 40, size: 64, start: 0, stop: '800ms' }],
      timeline: [
        { at: '400ms', do: 'quit', client: 100002, text: 'bye' },
        { expect: 'forgotten', id: 100002, within: '500ms' },
      ],
      duration: '1s',
    }, 'tiny-pictures.json');
    summary = await runExperiment(exp, { file: 'tiny-pictures.json', command: 'vitest', outDir: out, pictures: drawFolderPictures });
  }, 30_000);

  it('the Lamport diagram has exactly one arrow per server-to-server frame', () => {
    expect(summary.passed, JSON.stringify(summary.checks)).toBe(true);
    expect(summary.pictures).toEqual({ lamport: 'lamport.svg', timeline: 'timeline.svg' });
    const events = lines(summary.folder);
    const servers = new Set([1, 2, 3]);
    const sends = events.filter((e) => e.type === 'frame-sent');
    const receives = events.filter((e) => e.type === 'frame-received');
    expect(sends.every((e) => servers.has(e.node as number) && (e.peer === 0 || servers.has(e.peer as number)))).toBe(true);
    // ~32 chats over two server hops, the registrations, the quit relayed both ways.
    expect(sends.length).toBeGreaterThan(60);
    // The quit, relayed both ways (the shutdown's departures come after the stop).
    const stopping = events.find((e) => e.type === 'experiment-stopping')!.t as number;
    const quits = sends.filter((e) => e.frame === 'client_quit' && (e.t as number) < stopping);
    expect(quits.map((e) => `${e.node}>${e.peer}`).sort()).toEqual(['2>1', '2>3']);
    // Nothing is lost on a healthy chain before the shutdown: every send was traced at both ends.
    const match = matchFrames(events as unknown as EventRecord[]);
    expect(match.frames.filter((f) => f.receivedAt === null && f.sentAt < stopping)).toEqual([]);
    expect(match).toMatchObject({ unaddressed: 0, unmatchedReceives: 0 });

    const svg = readFileSync(join(summary.folder, 'lamport.svg'), 'utf8');
    const overview = between(svg, '<g id="overview"', '<g id="zoom-1"');
    const arrows = overview.match(/<path class="f /g) ?? [];
    const lost = overview.match(/<path class="f lost /g) ?? [];
    expect(arrows.length).toBe(sends.length);
    expect(arrows.length - lost.length).toBe(receives.length);
    expect(overview.match(/<path class="f (lost )?cq"/g)).toHaveLength(sends.filter((e) => e.frame === 'client_quit').length);
    expect(overview).toContain(`${sends.length} frames, all drawn`);
    // A zoomed panel around the quit, every frame in it drawn.
    expect(between(svg, '<g id="zoom-1"', '<g id="zoom-2"')).toMatch(/Zoom 1: quit 100002 \(0\.\d+–0\.\d+ s\)/);
  });

  it('the timeline has a series per server, and summary.md links both pictures', () => {
    const svg = readFileSync(join(summary.folder, 'timeline.svg'), 'utf8');
    expect([...svg.matchAll(/<path class="known" data-server="(\d+)"/g)].map((m) => m[1])).toEqual(['1', '2', '3']);
    expect(svg).toContain('expect forgotten 100002 within 500 ms: passed in');
    const md = readFileSync(join(summary.folder, 'summary.md'), 'utf8');
    expect(md).toContain('[lamport.svg](lamport.svg)');
    expect(md).toContain('![timeline](timeline.svg)');
    expect(JSON.parse(readFileSync(join(summary.folder, 'summary.json'), 'utf8')).pictures).toEqual({ lamport: 'lamport.svg', timeline: 'timeline.svg' });
  });

  it('npm run report draws them again from a copied folder, and links them', () => {
    const copy = mkdtempSync(join(tmpdir(), 'crc-pictures-copy-'));
    cpSync(summary.folder, copy, { recursive: true });
    for (const f of ['lamport.svg', 'timeline.svg', 'summary.md']) rmSync(join(copy, f));
    const json = JSON.parse(readFileSync(join(copy, 'summary.json'), 'utf8'));
    delete json.pictures;
    writeFileSync(join(copy, 'summary.json'), JSON.stringify(json));

    const r = report(copy);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('summary.md links them');
    for (const f of ['lamport.svg', 'timeline.svg']) expect(readFileSync(join(copy, f), 'utf8')).toBe(readFileSync(join(summary.folder, f), 'utf8'));
    expect(readFileSync(join(copy, 'summary.md'), 'utf8')).toBe(readFileSync(join(summary.folder, 'summary.md'), 'utf8'));
    expect(JSON.parse(readFileSync(join(copy, 'summary.json'), 'utf8')).pictures).toEqual({ lamport: 'lamport.svg', timeline: 'timeline.svg' });
  });

  it('with "traceFrames": false no frame is traced, and the diagram says so', async () => {
    const exp = parseExperiment({ name: 'untraced', topology, traceFrames: false, duration: '200ms' }, 'untraced.json');
    const s = await runExperiment(exp, { file: 'untraced.json', command: 'vitest', outDir: out, pictures: drawFolderPictures });
    expect(lines(s.folder).some((e) => String(e.type).startsWith('frame-'))).toBe(false);
    expect(readFileSync(join(s.folder, 'lamport.svg'), 'utf8')).toContain('no frames traced');
  });
});

describe('npm run report: errors name the file', () => {
  it('a folder with no events.jsonl', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crc-report-empty-'));
    const r = report(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: ${join(dir, 'events.jsonl')}: no such file (a results folder holds events.jsonl)\n`);
  });

  it.each([
    ['not JSON', '{"type":"a","t":1}\n{"type":"b","t":2}\n{"type": oops}\n', /events\.jsonl:3: not valid JSON/],
    ['no time', '{"type":"a","t":1}\n\n{"type":"b"}\n', /events\.jsonl:3: an event needs a time "t"/],
    ['not an object', '[1,2]\n', /events\.jsonl:1: not an event/],
    ['no events at all', '\n', /events\.jsonl: no events/],
  ])('a bad events.jsonl (%s) names the line', (_what, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'crc-report-bad-'));
    writeFileSync(join(dir, 'events.jsonl'), text);
    const r = report(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(join(dir, 'events.jsonl'));
    expect(existsSync(join(dir, 'lamport.svg'))).toBe(false);
  });

  it('no folder named: usage', () => {
    const r = report();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/name a results folder/);
  });
});
