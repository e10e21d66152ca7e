// crc-server against every join convention in the wild (../shared/crc/IMPLEMENTATIONS.md), as
// issue 17's matrix: each convention x both join directions x register, chat both ways, client
// quit, netsplit and re-join, with the implementation's OWN clients on both servers, and no
// spurious status anywhere on its side. Our server runs with liveness on (its probes must not
// show up in a course server's log).
//
// Subjects: our fixture (test/fixtures/course-impl/) in each preset, or any course-layout folder
// with CRC_COURSE_IMPL=DIR (run exactly as the course harness runs it, by tools/course_host.py):
//   CRC_COURSE_IMPL=/path/to/their/folder npx vitest run test/foreign/interop-matrix.test.ts
//
// What a course server cannot do is not asked of it: none handles a server quit or has liveness
// (IMPLEMENTATIONS.md), so after the netsplit only OUR side must forget the other, and the
// re-join is with the course server restarted fresh (a new process: it never forgets the old
// link by itself). Its status logs must stay empty and its clients' hold only their welcome.
import { afterEach, describe, expect, it } from 'vitest';
import { NO_PYTHON as NO_PY, ourServer, sorted, useInteropLifecycle } from '../interop/helpers.ts';
import { type CourseClient, type CourseServer, FIXTURE_DIR, NO_PYTHON, PRESETS, WELCOME, startCourseClient, startCourseServer, useCourseHostLifecycle } from './helpers.ts';
import { type Relay, relayTo } from './relay.ts';

const foreignDir = process.env.CRC_COURSE_IMPL;
const subjects: Array<{ label: string; dir: string; env?: Record<string, string> }> = foreignDir
  ? [{ label: `course:${foreignDir}`, dir: foreignDir }]
  : PRESETS.map((p) => ({ label: `fixture ${p}`, dir: FIXTURE_DIR, env: { CRC_FIXTURE_CONVENTION: p } }));
const DIRECTIONS = ['theirs joins ours', 'ours joins theirs'] as const;
// Liveness on, fast: a probe goes out on every server link we have.
const OURS = ['--ping-interval', '100', '--ping-timeout', '400', '--reconnect'];
const WAIT = 15_000;

const skip = NO_PYTHON || NO_PY;
if (skip) console.warn(`SKIPPING test/foreign/interop-matrix.test.ts: ${skip}`);
useInteropLifecycle();
useCourseHostLifecycle();

const relays: Relay[] = [];
afterEach(async () => { await Promise.all(relays.splice(0).map((r) => r.close())); });

const knows = (c: CourseClient, id: number) => c.until((s) => s.connectedUserIds.includes(id), `learn ${id}`, WAIT);
const forgets = (c: CourseClient, id: number) => c.until((s) => !s.connectedUserIds.includes(id), `forget ${id}`, WAIT);
async function chatBothWays(a: CourseClient, b: CourseClient, tag: string): Promise<void> {
  await a.message(b.id, `${tag} from ${a.id}`);
  await b.until((s) => s.chatLog.some((l) => l.includes(`${tag} from ${a.id}`)), `chat from ${a.id}`, WAIT);
  await b.message(a.id, `${tag} from ${b.id}`);
  await a.until((s) => s.chatLog.some((l) => l.includes(`${tag} from ${b.id}`)), `chat from ${b.id}`, WAIT);
}
/** Nothing but its welcome in a course client's status log; nothing in a course server's. */
async function noSpuriousStatus(servers: CourseServer[], clients: CourseClient[]): Promise<void> {
  for (const s of servers) expect((await s.state()).statusLog, `${s.name}'s status log`).toEqual([]);
  for (const c of clients) expect((await c.state()).statusLog, `client ${c.name}'s status log`).toEqual([WELCOME(c.name)]);
}

describe.skipIf(!!skip)('crc-server with every convention, both join directions', () => {
  for (const subject of subjects) {
    for (const direction of DIRECTIONS) {
      it(`${subject.label}: ${direction}: register, chat, client quit, netsplit, re-join`, async () => {
        const theirsJoins = direction === 'theirs joins ours';
        const course = (o: { id: number; name: string; connect?: number }) => startCourseServer({ ...o, dir: subject.dir, env: subject.env });
        const client = (id: number, name: string, serverPort: number) => startCourseClient({ id, name, serverPort, dir: subject.dir, env: subject.env });
        // Server 1 accepts, server 2 joins it through a relay that the test can cut.
        let theirs: CourseServer;
        let ours: Awaited<ReturnType<typeof ourServer>>;
        let relay: Relay;
        if (theirsJoins) {
          ours = await ourServer(1, 'ours', 'ours info', undefined, OURS);
          relay = await relayTo(ours.port);
          theirs = await course({ id: 2, name: 'theirs', connect: relay.port });
        } else {
          theirs = await course({ id: 1, name: 'theirs' });
          relay = await relayTo(theirs.port);
          ours = await ourServer(2, 'ours', 'ours info', relay.port, OURS);
        }
        relays.push(relay);
        const theirId = theirs.id;
        const ourId = ours === undefined ? 0 : theirsJoins ? 1 : 2;

        // Register: a client of theirs on each server; each learns the other.
        const onOurs = await client(101, 'alice', ours.port);
        const onTheirs = await client(102, 'bob', theirs.port);
        await knows(onOurs, 102);
        await knows(onTheirs, 101);
        await ours.until((s) => sorted(s.hosts.map((h) => h.id)).join() === sorted([theirId, 101, 102]).join(), 'know both clients and their server', WAIT);
        await theirs.until((s) => sorted(s.hosts.map((h) => h.id)).join() === sorted([ourId, 101, 102]).join(), 'know both clients and our server', WAIT);
        expect((await ours.state()).adjacentServerIds).toEqual([theirId]);
        expect((await theirs.state()).adjacentServerIds).toEqual([ourId]);

        // Chat both ways.
        await chatBothWays(onOurs, onTheirs, 'hello');

        // Client quit: relayed to the other side; a new client after it is learned and chats.
        await onTheirs.quit('bye');
        await forgets(onOurs, 102);
        await ours.until((s) => !s.hosts.some((h) => h.id === 102), 'forget the client that quit', WAIT);
        const second = await client(103, 'carol', theirs.port);
        await knows(onOurs, 103);
        await knows(second, 101);
        await chatBothWays(onOurs, second, 'again');
        await noSpuriousStatus([theirs], [onOurs, second]);

        // Netsplit: the link between them is lost. Our side forgets everything behind it and
        // tells its clients (a course server has no handler for that: not asked of it).
        relay.cut();
        await ours.until((s) => s.hosts.every((h) => h.id === 101), 'forget the other side', WAIT);
        await forgets(onOurs, 103);
        expect((await ours.state()).adjacentServerIds).toEqual([]);

        // Re-join: theirs restarted fresh (it never forgets the old link by itself).
        await theirs.crash();
        if (theirsJoins) {
          theirs = await course({ id: 2, name: 'theirs', connect: relay.port });
        } else {
          theirs = await course({ id: 1, name: 'theirs' });
          relay.retarget(theirs.port); // our server re-dials the relay with backoff
        }
        const back = await client(104, 'dave', theirs.port);
        await knows(onOurs, 104);
        await knows(back, 101);
        await ours.until((s) => s.adjacentServerIds.join() === String(theirId), 'the link up again', WAIT);
        await chatBothWays(onOurs, back, 'rejoined');
        await noSpuriousStatus([theirs], [back]);
        // Our client saw only its welcome too: nothing of ours was answered with a status.
        expect((await onOurs.state()).statusLog).toEqual([WELCOME('alice')]);
      }, 120_000);
    }
  }
});
