// tools/course_host.py with folders other than our fixture as it is: the src/ layout with a
// package beside ChatServer.py, course code that raises, hangs on stop, or prints, and the
// adapter's own refusals (a bad --dir, a second /join).
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../net/helpers.ts';
import {
  COURSE_HOST, FIXTURE_DIR, NO_PYTHON, PYTHON, WELCOME, startCourseClient, startCourseServer, useCourseHostLifecycle,
} from './helpers.ts';

// Several Python processes per test on a shared, loaded machine: a bound, not a timing claim.
const PROCESSES_MS = 60_000;

if (NO_PYTHON) console.warn(`SKIPPING test/foreign/course-host-folders.test.ts: ${NO_PYTHON}`);

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'course-host-'));
  temps.push(d);
  return d;
}

/** A copy of the fixture as course C lays it out: src/ChatServer.py, src/crc_support/ (the wire module). */
function srcLayoutCopy(): string {
  const dir = tempDir();
  const src = join(dir, 'src');
  mkdirSync(join(src, 'crc_support'), { recursive: true });
  for (const f of ['ChatServer.py', 'ChatClient.py', 'fixture_convention.py']) {
    const text = readFileSync(join(FIXTURE_DIR, f), 'utf8').replace(/^import crc_wire as wire$/m, 'from crc_support import crc_wire as wire');
    writeFileSync(join(src, f), text);
  }
  cpSync(join(FIXTURE_DIR, 'crc_wire.py'), join(src, 'crc_support', 'crc_wire.py'));
  writeFileSync(join(src, 'crc_support', '__init__.py'), '');
  return dir;
}

/** A folder whose ChatServer.py is `body` (a CRCServer class). */
function serverFolder(body: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'ChatServer.py'), body);
  return dir;
}

describe.skipIf(!!NO_PYTHON)('course_host.py with other folders', () => {
  useCourseHostLifecycle();
  afterAll(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

  it('runs the src/ layout with a package beside ChatServer.py', async () => {
    const dir = srcLayoutCopy();
    const root = await startCourseServer({ dir, id: 1, name: 'root' });
    const joiner = await startCourseServer({ dir, id: 2, name: 'leaf', defer: true });
    await joiner.join(root.port);
    await joiner.until((s) => s.adjacentServerIds.includes(1), 'joined');
    const c = await startCourseClient({ dir, id: 7, name: 'pippin', serverPort: joiner.port });
    await c.until((s) => s.statusLog.includes(WELCOME('pippin')), 'welcomed');
    await root.until((s) => s.hosts.some((h) => h.id === 7 && h.firstLinkId === 2), 'root learned the client');
    expect((await root.health()).body.dir).toBe(dir);
  }, PROCESSES_MS);

  it('reports an exception in run() on stderr and as /health 500, and keeps serving', async () => {
    const taken = await startCourseServer({ id: 1, name: 'first' });
    // The same port again: the fixture's bind raises in run().
    const second = await startCourseServer({ id: 2, name: 'second', port: taken.port, waitListening: false });
    const h = await waitFor(async () => { const r = await second.health(); return r.status === 500 ? r : undefined; }, 10_000, '/health 500');
    expect(h.body).toMatchObject({ ok: false, id: 2, name: 'second' });
    expect(String(h.body.traceback)).toMatch(/Address already in use/);
    expect(second.stderrTail()).toMatch(/server 2: run\(\) raised:[\s\S]*Address already in use/);
    expect(second.proc.stdout).not.toMatch(/^listening on/m);
    expect((await second.state()).hosts).toEqual([]); // the API still answers
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });

  it('stops even when the course code never returns from run(), and keeps our lines recognisable among its prints', async () => {
    const dir = serverFolder([
      'import socket, sys, time',
      'class CRCServer(object):',
      '    def __init__(self, options, run_on_localhost=False):',
      '        self.port = int(options.port)',
      '        self.hosts_db = {}',
      '        self.adjacent_server_ids = []',
      '        self.adjacent_user_ids = []',
      '        self.status_updates_log = ["not a dict in sight"]',
      '    def run(self):',
      '        sys.stdout.write("student output without a newline")',
      '        s = socket.socket()',
      '        s.bind(("127.0.0.1", self.port))',
      '        s.listen(1)',
      '        while True:  # ignores request_terminate',
      '            time.sleep(0.05)',
      '',
    ].join('\n'));
    const s = await startCourseServer({ dir, id: 5, name: 'stubborn' });
    expect(s.proc.stdout).toMatch(/student output without a newline\nlistening on 127\.0\.0\.1:\d+\n/);
    expect((await s.state()).statusLog).toEqual(['not a dict in sight']);
    await s.events.waitFor((e) => e.type === 'status-logged' && e.content === 'not a dict in sight', 'status-logged');
    expect(await s.stop()).toEqual({ code: 0, signal: null });
  });

  it('refuses a second /join, and a --dir without ChatServer.py by name', async () => {
    const root = await startCourseServer({ id: 1, name: 'root' });
    const r = await fetch(new URL('/join', root.base), { method: 'POST', body: JSON.stringify({ host: '127.0.0.1', port: 1 }) });
    expect(r.status).toBe(409);
    const bad = await fetch(new URL('/join', root.base), { method: 'POST', body: JSON.stringify({ host: '127.0.0.1', port: 0 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'join: port must be an integer from 1 to 65535' });

    const empty = tempDir();
    const run = spawnSync(PYTHON, [COURSE_HOST, 'server', '--dir', empty, '--id', '1', '--servername', 'x', '--info', 'y', '--port', '0'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`--dir ${empty}: no ChatServer.py in it or in its src/`);
  });

  it('a deferred server whose bootstrap refuses answers /join with 502 and the error', async () => {
    const s = await startCourseServer({ id: 3, name: 'lonely', defer: true });
    const probe = await startCourseServer({ id: 4, name: 'gone' });
    const port = probe.port;
    await probe.crash();
    const r = await fetch(new URL('/join', s.base), { method: 'POST', body: JSON.stringify({ host: '127.0.0.1', port, deadlineMs: 5000 }) });
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: string }).error).toMatch(/Connection refused/);
    expect((await s.health()).status).toBe(500);
    expect(await s.stop()).toEqual({ code: 0, signal: null });
  });

  it('stops a deferred server that was never told to join', async () => {
    const s = await startCourseServer({ id: 6, name: 'idle', defer: true });
    expect((await s.state()).hosts).toEqual([]);
    expect(await s.stop()).toEqual({ code: 0, signal: null });
  });
});
