// One small experiment end to end on real workers: traffic, a quit, a check that passes (and
// the replay command it prints); and one whose check cannot pass. Results go to a temp dir.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/runner.ts';
import { drawFolderPictures } from '../../src/report/render.ts';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

// s1-s2-s3; clients 100001 on s1, 100002 on s2, 100003 on s3.
const topology = resolveTopology('chain:3', { clients: 3 });

function readEvents(folder: string): Array<Record<string, unknown>> {
  const lines = readFileSync(join(folder, 'events.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`events.jsonl line ${i + 1} is not JSON: ${(err as Error).message}: ${l.slice(0, 200)}`);
    }
  });
}

describe('runExperiment', () => {
  it('a quit under traffic, checked: passes and writes events.jsonl, summary.json and summary.md', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crc-exp-run-'));
    const exp = parseExperiment({
      name: 'tiny-quit',
      description: 'a client quits while another pair chats',
      topology,
      seed: 9,
      traffic: [{ from: 100001, to: 100003, rate: 50, size: 64, start: 0, stop: '1s' }],
      timeline: [
        { at: '500ms', do: 'quit', client: 100002, text: 'bye' },
        { expect: 'forgotten', id: 100002, within: '500ms' },
      ],
      duration: '1.5s',
    }, 'tiny.json');
    const lines: string[] = [];
    const summary = await runExperiment(exp, { file: 'tiny.json', command: 'vitest', outDir: out, log: (l) => lines.push(l) });

    expect(summary.passed, JSON.stringify({ checks: summary.checks, actions: summary.actions })).toBe(true);
    expect(summary).toMatchObject({ name: 'tiny-quit', seed: 9, file: 'tiny.json', command: 'vitest', durationMs: 1500 });
    expect(summary.topology).toMatchObject({ servers: 3, clients: 3, proxiedLinks: 2, directLinks: 3 }); // the 3 client links are direct
    expect(relative(out, summary.folder).startsWith('tiny-quit')).toBe(true);

    expect(summary.actions).toHaveLength(1);
    expect(summary.actions[0]).toMatchObject({ index: 0, at: 500 });
    expect(summary.actions[0]!.did).toMatch(/^quit /);
    expect(summary.actions[0]!.error).toBeUndefined();
    expect(summary.checks).toHaveLength(1);
    const check = summary.checks[0]!;
    expect(check).toMatchObject({ index: 1, withinMs: 500, passed: true });
    expect(check.tookMs).not.toBeNull();
    expect(check.tookMs!).toBeGreaterThanOrEqual(0);
    expect(check.tookMs!).toBeLessThanOrEqual(500);
    expect(check.startMs).toBeGreaterThanOrEqual(500);

    // ~50 chats over a healthy chain that nobody cut: all of them arrive.
    const flow = summary.traffic[0]!;
    expect(flow.sent).toBeGreaterThanOrEqual(45);
    expect(flow.sent).toBeLessThanOrEqual(50);
    expect(flow.delivered).toBe(flow.sent);
    expect(flow.lost).toBe(0);
    expect(flow.latencyMs).not.toBeNull();
    expect(flow.latencyMs!.p50).toBeGreaterThan(0);

    // The folder.
    const events = readEvents(summary.folder);
    const types = events.map((e) => e.type);
    expect(types[0]).not.toBe('experiment-end');
    expect(types).toContain('experiment-start');
    expect(types[types.length - 1]).toBe('experiment-end');
    const action = events.find((e) => e.type === 'action');
    expect(action).toMatchObject({ index: 0, at: 500 });
    expect(action!.did).toMatch(/^quit /);
    const checkLine = events.find((e) => e.type === 'check');
    expect(checkLine).toMatchObject({ index: 1, passed: true });
    // Node events are recorded too: the network forgetting the client, and proxy events.
    expect(events.some((e) => e.type === 'host-forgotten' && e.id === 100002 && e.node === 1)).toBe(true);
    expect(events.some((e) => e.type === 'proxy-conn-opened')).toBe(true);
    // Traffic is summarised, not logged chat by chat.
    expect(events.some((e) => e.type === 'chat-delivered' && String(e.content).startsWith('f0-'))).toBe(false);

    const json = JSON.parse(readFileSync(join(summary.folder, 'summary.json'), 'utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(summary)));
    const md = readFileSync(join(summary.folder, 'summary.md'), 'utf8');
    expect(md).toMatch(/^# Experiment tiny-quit: PASSED/);
    expect(md).toContain('| expect forgotten 100002 within 500 ms |');
    expect(lines.some((l) => l.startsWith('PASS expect forgotten 100002'))).toBe(true);

    // The seed and the one command that replays it: in the summary, summary.md and the log.
    expect(summary.replay).toBe('npm run experiment -- tiny.json');
    expect(json.replay).toBe('npm run experiment -- tiny.json');
    expect(md).toContain('Replay: `npm run experiment -- tiny.json` (seed 9, from the file)');
    expect(lines).toContain('tiny-quit: seed 9 (from the file); replay: npm run experiment -- tiny.json');
  });

  it('a check that cannot pass fails the experiment, with tookMs null', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crc-exp-fail-'));
    const exp = parseExperiment({
      name: 'never-forgotten',
      topology,
      timeline: [{ at: '100ms', expect: 'forgotten', id: 100001, within: '100ms' }],
      duration: '300ms',
    }, 'never.json');
    const summary = await runExperiment(exp, { file: 'never.json', command: 'vitest', outDir: out, pictures: drawFolderPictures });

    expect(summary.passed).toBe(false);
    expect(summary.checks).toHaveLength(1);
    const check = summary.checks[0]!;
    expect(check).toMatchObject({ passed: false, tookMs: null, withinMs: 100 });
    expect(check.detail).toMatch(/s1 \(1\).*c100002 \(100002\)/); // who still knows it
    expect(readEvents(summary.folder).find((e) => e.type === 'check')).toMatchObject({ passed: false, tookMs: null });
    expect(JSON.parse(readFileSync(join(summary.folder, 'summary.json'), 'utf8')).passed).toBe(false);
    const md = readFileSync(join(summary.folder, 'summary.md'), 'utf8');
    expect(md).toMatch(/^# Experiment never-forgotten: FAILED/);
    expect(md).toMatch(/\| never \| \*\*fail\*\*/);
    expect(existsSync(join(summary.folder, 'events.jsonl'))).toBe(true);
    // A failed experiment is drawn too.
    for (const f of ['lamport.svg', 'timeline.svg']) expect(existsSync(join(summary.folder, f))).toBe(true);
  });
});
