// The fixture's conventions are what IMPLEMENTATIONS.md says they are: which replies a joiner
// takes as "adjacent" (a link never bound when not, with chats ending as Unknown ID), what an
// echo does to a receiver of another convention, how relayed client registrations are read, and
// the behaviours every course server shares (no server quit handler, quits for unknown clients
// ignored, a client lost without a quit forgotten locally only). TCP splits never matter.
import { describe, expect, it } from 'vitest';
import { type Message, MessageType, StatusCode, encode } from '../../src/protocol/index.ts';
import { RawPeer, waitFor } from '../net/helpers.ts';
import { NO_PYTHON, type Preset, WELCOME, startCourseClient, startCourseServer, useCourseHostLifecycle } from './helpers.ts';

if (NO_PYTHON) console.warn(`SKIPPING test/foreign/fixture-conventions.test.ts: ${NO_PYTHON}`);

const conv = (c: string) => ({ CRC_FIXTURE_CONVENTION: c });
// Up to four Python processes per test on a shared, loaded machine: a bound, not a timing claim.
const PROCESSES_MS = 60_000;

describe.skipIf(!!NO_PYTHON)('the fixture behaves per its convention', () => {
  useCourseHostLifecycle();

  it('a zero joiner dialling a self server never binds the link: chats end as Unknown ID both ways', async () => {
    const e = await startCourseServer({ id: 1, name: 'edoras', env: conv('self') });
    const j = await startCourseServer({ id: 2, name: 'jarrow', env: conv('zero'), connect: e.port });
    await e.until((s) => s.adjacentServerIds.includes(2), 'the self server takes the joiner as adjacent');
    // The reply (last_hop = 1, its own id) is recorded, but not as adjacent: no socket is bound to it.
    const js = await j.until((s) => s.hosts.some((h) => h.id === 1), 'the joiner recorded the reply');
    expect(js.adjacentServerIds).toEqual([]);
    expect(js.hosts).toEqual([{ id: 1, kind: 'server', name: 'edoras', info: 'edoras info', firstLinkId: 1 }]);
    expect(j.stderrTail()).toMatch(/reply of server 1 \(last hop 1\) is not adjacent: link never bound/);

    const frodo = await startCourseClient({ id: 101, name: 'frodo', serverPort: e.port });
    const sam = await startCourseClient({ id: 102, name: 'sam', serverPort: j.port });
    await frodo.until((s) => s.statusLog.includes(WELCOME('frodo')), 'frodo welcomed');
    await sam.until((s) => s.statusLog.includes(WELCOME('sam')), 'sam welcomed');
    await sam.message(101, 'hello?');
    await frodo.message(102, 'hello?');
    await sam.until((s) => s.statusLog.includes('Unknown ID 101'), 'sam told 101 is unknown');
    await frodo.until((s) => s.statusLog.includes('Unknown ID 102'), 'frodo told 102 is unknown');
    expect((await sam.state()).connectedUserIds).toEqual([]);
    expect((await frodo.state()).connectedUserIds).toEqual([]);
    expect((await sam.state()).chatLog).toEqual([]);
    expect((await frodo.state()).chatLog).toEqual([]);
  }, PROCESSES_MS);

  // [joiner, dialled server, does the joiner bind the link?]: IMPLEMENTATIONS.md's join table.
  const joins: Array<[Preset, Preset, boolean]> = [
    ['zero', 'joiner', false], ['joiner', 'self', false], ['self', 'joiner', false], ['zero-echo', 'self-any', false],
    ['self-any', 'joiner', true], ['self-any', 'self', true], ['self', 'zero', true], ['joiner', 'zero-echo', true],
  ];
  it.each(joins)('a %s joiner dialling a %s server: bound %s', async (joiner, dialled, bound) => {
    const e = await startCourseServer({ id: 1, name: 'e', env: conv(dialled) });
    const j = await startCourseServer({ id: 2, name: 'j', env: conv(joiner), connect: e.port });
    await e.until((s) => s.adjacentServerIds.includes(2), 'the dialled server takes the joiner as adjacent');
    const js = await j.until((s) => s.hosts.some((h) => h.id === 1), 'the joiner recorded the reply');
    expect(js.adjacentServerIds).toEqual(bound ? [1] : []);
  }, PROCESSES_MS);

  it('an echo the receiver does not accept answers with the duplicate-id status', async () => {
    // reply 0 (every convention binds it), then an echo with last_hop = its own id, which a
    // joiner-convention receiver (0 or its own id) takes for a second server with id 1.
    const e = await startCourseServer({ id: 1, name: 'e', env: conv('zero,echo=self') });
    const j = await startCourseServer({ id: 2, name: 'j', env: conv('joiner'), connect: e.port });
    await j.until((s) => s.adjacentServerIds.includes(1), 'bound on the reply');
    await e.until((s) => s.statusLog.includes('A machine has already registered with ID 1'), 'the duplicate-id status at the echoer');
    // The same echo to a self-convention receiver (0 or the source's id) is a re-announcement.
    const k = await startCourseServer({ id: 3, name: 'k', env: conv('self'), connect: e.port });
    await k.until((s) => s.adjacentServerIds.includes(1), 'bound on the reply');
    await e.until((s) => s.adjacentServerIds.includes(3), 'k adjacent');
    expect((await e.state()).statusLog).toEqual(['A machine has already registered with ID 1']);
  }, PROCESSES_MS);

  // Client registrations relayed by a server (peer 50) with each last_hop_id, sent a byte at a time.
  // [preset, adjacent clients]: 71 last_hop 50 (relayed, all); 72 last_hop 0 (the socket taken
  // for the client: all); 73 last_hop = the receiver's id (joiner); 74 last_hop = its own id (self, self-any).
  const relayed: Array<[Preset, number[]]> = [['zero', [72]], ['joiner', [72, 73]], ['self', [72, 74]], ['self-any', [72, 74]]];
  it.each(relayed)('preset %s reads relayed client registrations as IMPLEMENTATIONS.md says', async (preset, adjacent) => {
    const s = await startCourseServer({ id: 9, name: 'nine', env: conv(preset) });
    const peer = await RawPeer.connect(s.port);
    try {
      const frames: Message[] = [
        { type: MessageType.ServerRegistration, sourceId: 50, lastHopId: 0, name: 'peer', info: 'raw' },
        { type: MessageType.ServerQuit, sourceId: 50, replacementId: 0, content: 'no handler for this' },
        { type: MessageType.ClientQuit, sourceId: 4444, content: 'unknown: ignored' },
        ...[[71, 50], [72, 0], [73, 9], [74, 74]].map(([id, hop]) =>
          ({ type: MessageType.ClientRegistration, sourceId: id!, lastHopId: hop!, name: `c${id}`, info: '' })),
      ];
      const bytes = Buffer.concat(frames.map((f) => encode(f)));
      for (const b of bytes) {
        peer.write(Buffer.from([b]));
        await new Promise((r) => setImmediate(r));
      }
      const st = await s.until((x) => x.hosts.length === 5, 'five hosts');
      expect(st.adjacentServerIds).toEqual([50]);
      expect(st.adjacentUserIds).toEqual(adjacent);
      const first = Object.fromEntries(st.hosts.map((h) => [h.id, h.firstLinkId]));
      expect(first).toEqual({
        50: 50, 71: 50, 72: 72,
        73: adjacent.includes(73) ? 73 : 9,
        74: 74, // adjacent (its own id) or relayed "by" 74: the same number, routed to a buffer nothing reads
      });
      // last_hop 0 made the peer's socket the client's: it is welcomed over it.
      await waitFor(() => peer.messages.find((m) => m.type === MessageType.Status && m.statusCode === StatusCode.Welcome && m.content === WELCOME('c72')), 5000, 'welcome for c72 on the peer link');
      expect(peer.decodeError).toBeUndefined();
    } finally {
      peer.destroy();
    }
  }, PROCESSES_MS);

  it('a client lost without a quit is forgotten where it was attached, nowhere else', async () => {
    const e = await startCourseServer({ id: 1, name: 'e' });
    const j = await startCourseServer({ id: 2, name: 'j', connect: e.port });
    await e.until((s) => s.adjacentServerIds.includes(2), 'joined');
    const frodo = await startCourseClient({ id: 101, name: 'frodo', serverPort: j.port });
    await e.until((s) => s.hosts.some((h) => h.id === 101), 'e learned frodo');
    expect(await frodo.crash()).toEqual({ code: 137, signal: null });
    await j.until((s) => !s.hosts.some((h) => h.id === 101), 'j forgot frodo');
    await j.events.waitFor((ev) => ev.type === 'host-forgotten' && ev.id === 101, 'host-forgotten at j');
    expect((await e.state()).hosts.map((h) => h.id)).toEqual([2, 101]);
  }, PROCESSES_MS);

  // TIME_WAIT keeps the SO_REUSEADDR flag of the socket that closed: a run without it blocks
  // the next run on that port; a run with it does not.
  it.each([['no', false], ['yes', true]] as const)('reuseaddr=%s: a second run can bind the port at once: %s', async (reuse, rebinds) => {
    const env = conv(`self,reuseaddr=${reuse}`);
    const first = await startCourseServer({ id: 1, name: 'first', env });
    const c = await startCourseClient({ id: 5, name: 'c', serverPort: first.port });
    await first.until((s) => s.adjacentUserIds.includes(5), 'client attached');
    expect(await first.stop()).toEqual({ code: 0, signal: null }); // the server closes first: TIME_WAIT is on its port
    await c.until((s) => !s.connected, 'client closed too');
    const again = await startCourseServer({ id: 2, name: 'again', port: first.port, env, waitListening: false });
    const h = await waitFor(async () => {
      const r = await again.health();
      return r.status === 500 || /^listening on/m.test(again.proc.stdout) ? r : undefined;
    }, 10_000, 'a bind error or the listening line');
    if (rebinds) expect(h.body).toMatchObject({ ok: true, port: first.port });
    else expect(String(h.body.traceback)).toMatch(/Address already in use/);
  }, PROCESSES_MS);

  it('a bad CRC_FIXTURE_CONVENTION fails at construction, naming the variable', async () => {
    const s = await startCourseServer({ id: 1, name: 'bad', env: conv('zero,colour=blue'), waitListening: false });
    const h = await waitFor(async () => { const r = await s.health(); return r.status === 500 ? r : undefined; }, 10_000, '/health 500');
    expect(String(h.body.traceback)).toMatch(/CRC_FIXTURE_CONVENTION='zero,colour=blue': unknown key 'colour'/);
    expect(s.stderrTail()).toMatch(/the constructor raised/);
  });
});
