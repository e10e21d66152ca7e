// Every shell command in README.md and docs/*.md is run (doc-commands.ts says how a block is
// marked). A doc that names a missing flag, script or file fails here. Blocks run a few at a time;
// two blocks naming the same port never run together.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocBlock, docFiles, portsOf, readBlocks, resolveNpm, withTempOutputs } from './doc-commands.js';
import { waitFor } from '../wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
// A loaded 2-core machine takes ~15 s just to load a CLI's modules; a quiet one well under 1 s.
const WINDOW_MS = Number(process.env.CRC_DOC_TEST_WINDOW_MS ?? 30_000);
const PARALLEL = 2;
const OUTPUT_KEEP = 8192;
const USAGE_ERROR = /^usage:|unknown option|no such file|ENOENT|Traceback|cannot find module|must be|expected .* got/im;

interface Outcome { ok: boolean; why: string }

interface Run { exit: Promise<number | null>; output: () => string; kill: () => void; printed: Promise<void> }

function start(command: string): Run {
  const child = spawn('bash', ['-c', command], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let out = '';
  let printed!: () => void;
  const printedP = new Promise<void>((r) => { printed = r; });
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-OUTPUT_KEEP); if (out.trim()) printed(); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const kill = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } };
  return { exit, output: () => out, kill, printed: printedP };
}

/** Resolves once something accepts a connection on the port, or after the window (polled: there is no event for it). */
async function listening(port: number): Promise<void> {
  const up = () => new Promise<boolean>((r) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); r(true); });
    s.on('error', () => r(false));
  });
  await waitFor(up, WINDOW_MS, `something listening on ${port}`, 100).catch(() => undefined);
}

const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());

/** Exits 0, or (starts) is running and printed something that is not a usage error, or is still
 * running, silent, when the window closes. A started command is left running (its block may need
 * it) and killed by `kills`; any other is killed once judged. */
async function runOne(command: string, starts: boolean, windowMs: number, kills: Array<() => void>): Promise<Outcome> {
  const run = start(command);
  kills.push(run.kill);
  const first = starts
    ? await Promise.race([run.exit, run.printed.then(() => 'printed' as const), timeout(windowMs)])
    : await Promise.race([run.exit, timeout(windowMs * 4)]);
  // give an error printed in the same breath a moment to land, then judge the output
  if (first === 'printed') await Promise.race([run.exit, timeout(500)]);
  const code = await Promise.race([run.exit, Promise.resolve('running' as const)]);
  if (!starts) run.kill();
  const out = run.output();
  if (code === 0) return { ok: true, why: '' };
  if (code !== 'running') return { ok: false, why: `exited ${code}:\n${out}` };
  if (!starts) return { ok: false, why: `still running after ${windowMs * 4} ms:\n${out}` };
  if (USAGE_ERROR.test(out)) return { ok: false, why: `printed an error while running:\n${out}` };
  return { ok: true, why: '' };
}

async function runBlock(block: DocBlock): Promise<Outcome> {
  // Output folders go to temporary folders, not into the clone (withTempOutputs).
  const commands = withTempOutputs(block.commands.map((c) => resolveNpm(c, scripts)), () => mkdtempSync(join(tmpdir(), 'crc-doc-out-')));
  const kills: Array<() => void> = [];
  try {
    if (block.mode === 'script') return await runOne(['set -e', ...commands].join('\n'), false, WINDOW_MS, kills);
    if (block.mode === 'starts') {
      // In order, as a reader would. A command that names a --port is left running for the next
      // ones, which start once it listens; any other is judged and stopped first (less load).
      const pending: Array<Promise<Outcome>> = [];
      for (const c of commands) {
        const own: Array<() => void> = [];
        const outcome = runOne(c, true, WINDOW_MS, own);
        kills.push(...own);
        pending.push(outcome);
        const port = /--port (\d+)/.exec(c)?.[1];
        if (port && port !== '0') {
          await Promise.race([listening(Number(port)), outcome]);
        } else if (!/--port 0/.test(c) && !/--connect_to_port|--serverport/.test(c)) {
          await outcome;
          for (const kill of own) kill();
        }
      }
      const outcomes = await Promise.all(pending);
      const bad = outcomes.map((o, i) => (o.ok ? '' : `${block.commands[i]}\n  ${o.why}`)).filter(Boolean);
      return { ok: bad.length === 0, why: bad.join('\n') };
    }
    for (const [i, c] of commands.entries()) {
      const o = await runOne(c, false, WINDOW_MS, kills);
      if (!o.ok) return { ok: false, why: `${block.commands[i]}\n  ${o.why}` };
    }
    return { ok: true, why: '' };
  } finally {
    for (const kill of kills) kill();
  }
}
/** Runs every block, PARALLEL at a time, never two that name the same port together. */
async function runAll(blocks: DocBlock[]): Promise<Map<DocBlock, Outcome>> {
  const results = new Map<DocBlock, Outcome>();
  const waiting = [...blocks];
  const busyPorts = new Set<string>();
  let running = 0;
  await new Promise<void>((done) => {
    const pump = () => {
      if (waiting.length === 0 && running === 0) { done(); return; }
      for (let i = 0; i < waiting.length && running < PARALLEL; i++) {
        const block = waiting[i]!;
        const ports = portsOf(block);
        if ([...ports].some((p) => busyPorts.has(p))) continue;
        waiting.splice(i--, 1);
        running++;
        for (const p of ports) busyPorts.add(p);
        void runBlock(block).catch((e: Error) => ({ ok: false, why: e.message })).then((o) => {
          results.set(block, o);
          running--;
          for (const p of ports) busyPorts.delete(p);
          pump();
        });
      }
    };
    pump();
  });
  return results;
}

// CRC_DOC_TEST_FILES=README.md,docs/faults.md runs only those files' blocks (while editing them).
const only = process.env.CRC_DOC_TEST_FILES?.split(',');
const blocks = readBlocks(ROOT).filter((b) => !only || only.includes(b.file));
const toRun = blocks.filter((b) => b.mode !== 'skip');
let results = new Map<DocBlock, Outcome>();
const started = Date.now();

describe('every command in README.md and docs/', () => {
  beforeAll(async () => { results = await runAll(toRun); }, 15 * 60_000);
  afterAll(() => { console.log(`doc commands: ${toRun.length} blocks in ${((Date.now() - started) / 1000).toFixed(1)} s`); });

  for (const block of blocks) {
    const name = `${block.file}:${block.line} (${block.mode}) ${block.commands[0] ?? ''}`;
    if (block.mode === 'skip') { it.skip(`${name}: ${block.reason}`, () => {}); continue; }
    it(name, () => {
      const o = results.get(block)!;
      expect(o.ok, o.why).toBe(true);
    });
  }

  it('finds the blocks (a parser that finds none would pass everything)', () => {
    expect(toRun.length).toBeGreaterThan(only ? 0 : 10);
    if (!only) expect(blocks.some((b) => b.file === 'README.md' && b.mode === 'starts')).toBe(true);
  });
});

describe('links in README.md and docs/', () => {
  it('every relative link points at a file that exists', () => {
    const broken: string[] = [];
    for (const file of docFiles(ROOT)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(resolve(ROOT, dirname(file), target))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
