// tools/course_host.py against our course-layout fixture, one preset at a time: a root and a
// deferred joiner (POST /join) of the same preset form a link, /node-state and /events show it,
// clients (the adapter's client mode) register, chat across it and quit; /stop and /crash exit
// as they say.
import { describe, expect, it } from 'vitest';
import {
  NO_PYTHON, PRESETS, type Preset, WELCOME, sorted, startCourseClient, startCourseServer, useCourseHostLifecycle,
} from './helpers.ts';

// Six Python processes on a shared, loaded machine: a generous bound, not a timing claim.
const SIX_PROCESSES_MS = 90_000;

if (NO_PYTHON) console.warn(`SKIPPING test/foreign/course-host.test.ts: ${NO_PYTHON}`);

describe.skipIf(!!NO_PYTHON)('course_host.py runs the course-layout fixture', () => {
  useCourseHostLifecycle();

  describe.each(PRESETS)('preset %s', (preset: Preset) => {
    const env = { CRC_FIXTURE_CONVENTION: preset };

    it('joins two servers, carries registrations, chats and quits', async () => {
      const root = await startCourseServer({ id: 1, name: 'rivendell', env });
      const joiner = await startCourseServer({ id: 2, name: 'moria', env, defer: true });
      expect((await joiner.health()).body).toMatchObject({ ok: true, id: 2, name: 'moria', impl: 'course', running: false });

      const t = await joiner.join(root.port);
      expect(t).toBeGreaterThan(0);
      const js = await joiner.until((s) => s.adjacentServerIds.includes(1), 'server 1 adjacent');
      expect(js.hosts).toEqual([{ id: 1, kind: 'server', name: 'rivendell', info: 'rivendell info', firstLinkId: 1 }]);
      const rs = await root.until((s) => s.adjacentServerIds.includes(2), 'server 2 adjacent');
      expect(rs).toMatchObject({ id: 1, name: 'rivendell', info: 'rivendell info', port: root.port, statusLog: [] });
      await joiner.events.waitFor((e) => e.type === 'link-up' && e.peerId === 1 && e.kind === 'server' && e.node === 2, 'link-up at 2');
      const learned = await root.events.waitFor((e) => e.type === 'host-learned' && e.id === 2, 'host-learned 2 at 1');
      expect(learned).toMatchObject({ kind: 'server', name: 'moria', firstLinkId: 2, node: 1 });
      expect(typeof learned.t).toBe('number');

      const frodo = await startCourseClient({ id: 101, name: 'frodo', serverPort: root.port, env });
      const sam = await startCourseClient({ id: 102, name: 'sam', serverPort: joiner.port, env });
      await frodo.until((s) => s.connectedUserIds.includes(102), 'frodo knows sam');
      const samState = await sam.until((s) => s.connectedUserIds.includes(101), 'sam knows frodo');
      expect(samState).toMatchObject({ id: 102, name: 'sam', connected: true, statusLog: [WELCOME('sam')] });
      const withClients = await joiner.until((s) => s.hosts.length === 3, 'three hosts at 2');
      expect(withClients.hosts.map((h) => [h.id, h.kind, h.firstLinkId])).toEqual([[1, 'server', 1], [101, 'client', 1], [102, 'client', 102]]);
      expect(withClients.adjacentUserIds).toEqual([102]);
      await joiner.events.waitFor((e) => e.type === 'link-up' && e.peerId === 102 && e.kind === 'client', 'link-up for sam');

      await frodo.message(102, 'one ring');
      await sam.message(101, 'po-tay-toes');
      await sam.until((s) => s.chatLog.includes('one ring'), 'sam got the chat');
      await frodo.until((s) => s.chatLog.includes('po-tay-toes'), 'frodo got the chat');
      await sam.events.waitFor((e) => e.type === 'chat-delivered' && e.content === 'one ring' && e.to === 102, 'chat-delivered at sam');
      await frodo.message(999, 'anyone?');
      await frodo.until((s) => s.statusLog.includes('Unknown ID 999'), 'frodo told 999 is unknown');

      await sam.quit('bye');
      await frodo.until((s) => !s.connectedUserIds.includes(102), 'frodo forgot sam');
      await root.until((s) => !s.hosts.some((h) => h.id === 102), 'root forgot sam');
      await joiner.until((s) => s.adjacentUserIds.length === 0 && s.hosts.length === 2, 'joiner forgot sam');
      await joiner.events.waitFor((e) => e.type === 'host-forgotten' && e.id === 102 && e.reason === 'quit', 'host-forgotten at 2');
      await joiner.events.waitFor((e) => e.type === 'link-down' && e.peerId === 102, 'link-down at 2');
      await sam.until((s) => !s.connected, 'sam disconnected');

      // Same preset on both ends: no duplicate-id status from an echo.
      for (const s of [await root.state(), await joiner.state()]) expect(s.statusLog).toEqual([]);
      expect(sorted((await frodo.state()).connectedUserIds)).toEqual([]);

      expect(await joiner.stop()).toEqual({ code: 0, signal: null });
      expect(await root.crash()).toEqual({ code: 137, signal: null });
    }, SIX_PROCESSES_MS);
  });
});
