// Interop with an INDEPENDENT CRC implementation: test/interop/crc_peer.py, a server and a
// client written in the course reference's style (struct layouts, select() loop, hosts_db)
// from PROTOCOL.md only. Our side is the BUILT bin/crc-server and bin/crc-client (npm run
// build first). Every port is 0 and read back; every child is killed after each test.
import { describe, expect, it } from 'vitest';
import { type Message, MessageType, encode } from '../../src/protocol/index.ts';
import { waitFor } from '../net/helpers.ts';
import {
  NO_PYTHON, type OurState, type PyServerState, WELCOME, capture, ourClient, ourLine, ourServer, pyClient, pyPack, pyServer, sorted,
  useInteropLifecycle, who, without,
} from './helpers.ts';

if (NO_PYTHON) console.warn(`SKIPPING test/interop/python-peers.test.ts: ${NO_PYTHON}`);
useInteropLifecycle();

// Several processes each, on a shared 2-core machine: a generous bound, not a timing check.
describe.skipIf(!!NO_PYTHON)('interop with an independent Python CRC peer (course style)', { timeout: 90_000 }, () => {
  it('a: a Python client registering with our server gets exactly the welcome and every other client; /state lists it', async () => {
    const s1 = await ourServer(1, 'alpha', 'ours one');
    const s2 = await ourServer(2, 'beta', 'ours two', s1.port);
    const c101 = await ourClient(101, 'frodo', s1.port); // one of ours attached first
    await ourClient(102, 'sam', s2.port);
    await s1.until((s) => ['2', '101', '102'].every((id) => s.hosts.some((h) => String(h.id) === id)), 'know 2, 101, 102');

    const py = await pyClient(201, 'pippin', s1.port, 'Took ✓ info');
    const st = await py.until((s) => s.connected_user_ids.length >= 2, 'hear of two clients');
    expect(st.status_updates_log).toEqual([WELCOME('pippin')]);
    expect(sorted(st.connected_user_ids)).toEqual([101, 102]);
    expect(st.chat_messages_log).toEqual([]);

    const ours = await s1.until((s) => s.adjacentUserIds.includes(201), 'list 201 as adjacent');
    expect(sorted(ours.adjacentUserIds)).toEqual([101, 201]);
    expect(ours.hosts.find((h) => h.id === 201)).toEqual({ id: 201, kind: 'client', name: 'pippin', info: 'Took ✓ info', firstLinkId: 201 });
    const far = await s2.until((s) => s.hosts.some((h) => h.id === 201), 'learn 201 by relay');
    expect(far.hosts.find((h) => h.id === 201)).toEqual({ id: 201, kind: 'client', name: 'pippin', info: 'Took ✓ info', firstLinkId: 1 });

    // Nothing more arrives later (no second welcome, no repeated registrations): a chat sent now
    // comes behind anything s1 still had for pippin (FIFO on that connection).
    c101.send('/msg 201 marker');
    const again = await py.until((s) => s.chat_messages_log.includes('marker'), 'get the marker chat');
    expect(again.status_updates_log).toEqual([WELCOME('pippin')]);
    expect(again.connected_user_ids).toHaveLength(2);
  });

  it('b: our client and a Python client chat both ways, through our server and through a mixed path', async () => {
    const s1 = await ourServer(1, 'alpha', 'ours');
    const p2 = await pyServer(2, 'python-two', 'the Python one', s1.port);
    const c101 = await ourClient(101, 'frodo', s1.port);
    const py201 = await pyClient(201, 'pippin', s1.port);
    const py202 = await pyClient(202, 'merry', p2.port);
    const c102 = await ourClient(102, 'sam', p2.port);
    const all = [101, 102, 201, 202];
    await py201.until((s) => s.connected_user_ids.length === 3, 'know 3 clients');
    await py202.until((s) => s.connected_user_ids.length === 3, 'know 3 clients');
    await waitFor(async () => (await who(c101)).length === 3, 5000, 'frodo to know 3 clients');
    await waitFor(async () => (await who(c102)).length === 3, 5000, 'sam to know 3 clients');
    expect(sorted((await py201.state()).connected_user_ids)).toEqual(without(all, 201));
    expect(sorted((await py202.state()).connected_user_ids)).toEqual(without(all, 202));
    expect(await who(c101)).toEqual(without(all, 101));
    expect(await who(c102)).toEqual(without(all, 102));

    // Through our server only: ours -> Python and back.
    c101.send('/msg 201 héllo wörld ✓ one');
    expect((await py201.until((s) => s.chat_messages_log.length === 1, 'get chat 1')).chat_messages_log).toEqual(['héllo wörld ✓ one']);
    py201.proc.send('MESSAGE 101 "Testing 1 2 3"');
    expect(await ourLine(c101, '<201> ')).toBe('<201> "Testing 1 2 3"');

    // Mixed paths: our server -> Python server -> Python client, and back.
    c101.send('/msg 202 over the Python server ✓');
    expect((await py202.until((s) => s.chat_messages_log.length === 1, 'get a chat')).chat_messages_log).toEqual(['over the Python server ✓']);
    py202.proc.send('MESSAGE 101 back through ours, é');
    expect(await ourLine(c101, '<202> ')).toBe('<202> back through ours, é');

    // Our client on the Python server -> our server -> Python client, and back.
    c102.send('/msg 201 from the far side');
    expect((await py201.until((s) => s.chat_messages_log.length === 2, 'get chat 2')).chat_messages_log).toEqual(['héllo wörld ✓ one', 'from the far side']);
    py201.proc.send('MESSAGE 102 and home again');
    expect(await ourLine(c102, '<201> ')).toBe('<201> and home again');

    // No status noise on either Python client: only its welcome.
    expect((await py201.state()).status_updates_log).toEqual([WELCOME('pippin')]);
    expect((await py202.state()).status_updates_log).toEqual([WELCOME('merry')]);
  });

  it('c: a mixed tree P1 <- ours <- P3 converges, routes 2-hop chats, answers unknown ids and forgets quits', async () => {
    const p1 = await pyServer(1, 'python-root', 'root');
    const s2 = await ourServer(2, 'ours-middle', 'middle', p1.port);
    const p3 = await pyServer(3, 'python-leaf', 'leaf', s2.port);
    const [py201, c101, c102, py202, py203, c103] = await Promise.all([
      pyClient(201, 'pippin', p1.port), ourClient(101, 'frodo', p1.port),
      ourClient(102, 'sam', s2.port), pyClient(202, 'merry', s2.port),
      pyClient(203, 'gandalf', p3.port), ourClient(103, 'aragorn', p3.port),
    ]);
    const servers = [1, 2, 3];
    const clients = [101, 102, 103, 201, 202, 203];
    const everyone = [...servers, ...clients];

    // Convergence, with the next hop toward every host.
    const p1s = await p1.until((s) => Object.keys(s.hosts_db).length === 8, 'know 8 hosts');
    const s2s = await s2.until((s) => s.hosts.length === 8, 'know 8 hosts');
    const p3s = await p3.until((s) => Object.keys(s.hosts_db).length === 8, 'know 8 hosts');
    const pyHops = (s: PyServerState) => Object.fromEntries(Object.entries(s.hosts_db).map(([id, h]) => [id, h.first_link_id]));
    const ourHops = (s: OurState) => Object.fromEntries(s.hosts.map((h) => [String(h.id), h.firstLinkId]));
    expect(pyHops(p1s)).toEqual({ 2: 2, 3: 2, 101: 101, 201: 201, 102: 2, 202: 2, 103: 2, 203: 2 });
    expect(ourHops(s2s)).toEqual({ 1: 1, 3: 3, 101: 1, 201: 1, 102: 102, 202: 202, 103: 3, 203: 3 });
    expect(pyHops(p3s)).toEqual({ 1: 2, 2: 2, 101: 2, 201: 2, 102: 2, 202: 2, 103: 103, 203: 203 });
    expect(p1s.hosts_db['2']).toMatchObject({ kind: 'server', name: 'ours-middle', info: 'middle' });
    expect(p3s.hosts_db['1']).toMatchObject({ kind: 'server', name: 'python-root', info: 'root' });
    expect(s2s.hosts.find((h) => h.id === 203)).toMatchObject({ kind: 'client', name: 'gandalf', info: 'gandalf info' });
    expect(sorted(s2s.adjacentServerIds)).toEqual([1, 3]);
    expect(sorted(s2s.adjacentUserIds)).toEqual([102, 202]);
    expect(sorted(p1s.adjacent_server_ids)).toEqual([2]);
    expect(sorted(p3s.adjacent_server_ids)).toEqual([2]);
    for (const [py, id] of [[py201, 201], [py202, 202], [py203, 203]] as const) {
      const s = await py.until((x) => x.connected_user_ids.length === 5, 'know 5 clients');
      expect(sorted(s.connected_user_ids)).toEqual(without(clients, id));
    }
    for (const [c, id] of [[c101, 101], [c102, 102], [c103, 103]] as const) {
      await waitFor(async () => (await who(c)).length === 5, 5000, `${c.label} to know 5 clients`);
      expect(await who(c)).toEqual(without(clients, id));
    }
    expect(everyone).toHaveLength(9);

    // Two-hop chats through P1 -> ours -> P3 and back.
    py201.proc.send('MESSAGE 203 across the middle ✓');
    expect((await py203.until((s) => s.chat_messages_log.length === 1, 'get a chat')).chat_messages_log).toEqual(['across the middle ✓']);
    c103.send('/msg 101 leaf to root, ours to ours');
    expect(await ourLine(c101, '<103> ')).toBe('<103> leaf to root, ours to ours');
    c101.send('/msg 203 root to leaf, ours to Python');
    expect((await py203.until((s) => s.chat_messages_log.length === 2, 'get chat 2')).chat_messages_log[1]).toBe('root to leaf, ours to Python');
    py203.proc.send('MESSAGE 101 leaf to root, Python to ours');
    expect(await ourLine(c101, '<203> ')).toBe('<203> leaf to root, Python to ours');

    // Unknown ids, answered by each kind of server.
    py203.proc.send('MESSAGE 999 anyone?');
    expect((await py203.until((s) => s.status_updates_log.length === 2, 'get a status')).status_updates_log).toEqual([WELCOME('gandalf'), 'Unknown ID 999']);
    py202.proc.send('MESSAGE 998 anyone?');
    expect((await py202.until((s) => s.status_updates_log.length === 2, 'get a status')).status_updates_log).toEqual([WELCOME('merry'), 'Unknown ID 998']);
    c101.send('/msg 997 anyone?');
    expect(await ourLine(c101, '* status from 1: Unknown')).toBe('* status from 1: Unknown ID 997');

    // A Python client quits: everyone forgets it.
    py201.proc.send('QUIT farewell');
    await p1.until((s) => !('201' in s.hosts_db), 'forget 201');
    await s2.until((s) => !s.hosts.some((h) => h.id === 201), 'forget 201');
    await p3.until((s) => !('201' in s.hosts_db), 'forget 201');
    await py202.until((s) => !s.connected_user_ids.includes(201), 'forget 201');
    await py203.until((s) => !s.connected_user_ids.includes(201), 'forget 201');
    for (const c of [c101, c102, c103]) await ourLine(c, '* 201 left');

    // One of ours quits from behind a Python server: everyone forgets it too.
    c103.send('/quit bye');
    await p3.until((s) => !('103' in s.hosts_db), 'forget 103');
    await s2.until((s) => !s.hosts.some((h) => h.id === 103), 'forget 103');
    await p1.until((s) => !('103' in s.hosts_db), 'forget 103');
    expect(sorted((await py202.until((s) => !s.connected_user_ids.includes(103), 'forget 103')).connected_user_ids)).toEqual([101, 102, 203]);
    expect(sorted((await py203.until((s) => !s.connected_user_ids.includes(103), 'forget 103')).connected_user_ids)).toEqual([101, 102, 202]);
    for (const c of [c101, c102]) await ourLine(c, '* 103 left');
    expect(Object.keys((await p1.state()).hosts_db).map(Number).sort((a, b) => a - b)).toEqual([2, 3, 101, 102, 202, 203]);
    expect(sorted((await s2.state()).hosts.map((h) => h.id))).toEqual([1, 3, 101, 102, 202, 203]);
  });

  it('d: a Python server or client joining our server with a taken id is told so and not admitted', async () => {
    const s1 = await ourServer(1, 'alpha', 'ours one');
    await ourServer(2, 'beta', 'ours two', s1.port);
    await ourClient(101, 'frodo', s1.port);
    await s1.until((s) => s.hosts.length === 2, 'know 2 and 101');

    const dupServer = await pyServer(2, 'impostor', 'python', s1.port);
    const st = await dupServer.until((s) => s.status_updates_log.length > 0, 'get a status');
    expect(st.status_updates_log).toEqual(['A machine has already registered with ID 2']);
    expect(st.hosts_db).toEqual({});

    const dupClient = await pyClient(101, 'impostor', s1.port);
    const ct = await dupClient.until((s) => s.status_updates_log.length > 0, 'get a status');
    expect(ct.status_updates_log).toEqual(['Someone has already registered with ID 101']);
    expect(ct.connected_user_ids).toEqual([]);

    // The impostors leave: s1 logs each close, and neither may unlink the real 2 or 101.
    const closes = () => s1.proc.stderr.split('\n').filter((l) => / closed: /.test(l)).length;
    const before = closes();
    dupServer.proc.child.kill();
    dupClient.proc.child.kill();
    await waitFor(() => closes() >= before + 2, 5000, 's1 to log both impostors\' closes');
    const ours = await s1.state();
    expect(ours.hosts.find((h) => h.id === 2)).toEqual({ id: 2, kind: 'server', name: 'beta', info: 'ours two', firstLinkId: 2 });
    expect(ours.hosts.find((h) => h.id === 101)).toEqual({ id: 101, kind: 'client', name: 'frodo', info: 'frodo info', firstLinkId: 101 });
    expect(ours.hosts).toHaveLength(2);
    expect(ours.adjacentServerIds).toEqual([2]);
    expect(ours.adjacentUserIds).toEqual([101]);
  });

  it('d2: our server joining a Python server with a taken id logs the Python server\'s duplicate status', async () => {
    const p1 = await pyServer(1, 'python-root', 'root');
    await pyClient(201, 'pippin', p1.port);
    await p1.until((s) => '201' in s.hosts_db, 'know 201');
    const ours = await ourServer(201, 'clash', 'ours', p1.port);
    const st = await ours.until((s) => s.statusLog.length > 0, 'get a status');
    expect(st.statusLog).toEqual(['A machine has already registered with ID 201']);
    expect(st.hosts).toEqual([]);
    expect(Object.keys((await p1.state()).hosts_db)).toEqual(['201']);
  });

  it('bytes: the join frames each way equal struct.pack output and our encode()', async () => {
    const s1 = await ourServer(1, 'alpha', 'ours ✓');
    const c101 = await ourClient(101, 'frodo', s1.port, 'Test info');
    await s1.until((s) => s.hosts.some((h) => h.id === 101), 'know 101');

    // A Python server joins through a capturing relay.
    const name = 'minas-tirith';
    const info = '"Tower of Guard ✓ é"'; // quotes kept, multi-byte UTF-8 lengths
    const cap = await capture(s1.port);
    const p7 = await pyServer(7, name, info, cap.port);
    const seen = await s1.until((s) => s.adjacentServerIds.includes(7), 'link 7');
    expect(seen.hosts.find((h) => h.id === 7)).toEqual({ id: 7, kind: 'server', name, info, firstLinkId: 7 });
    const pst = await p7.until((s) => Object.keys(s.hosts_db).length === 2, 'be seeded');
    expect(pst.hosts_db).toEqual({
      1: { kind: 'server', name: 'alpha', info: 'ours ✓', first_link_id: 1 },
      101: { kind: 'client', name: 'frodo', info: 'Test info', first_link_id: 1 },
    });
    expect(pst.adjacent_server_ids).toEqual([1]);
    // A registration behind everything each side sent the other: anything extra would come before
    // it (FIFO). Down: s1 relays a new server 9; up: p7 relays a new server 8 (servers, so the
    // client seeds below stay as they are).
    await Promise.all([ourServer(9, 'marker-down', 'Marker', s1.port), pyServer(8, 'marker-up', 'Marker', p7.port)]);
    await p7.until((s) => '9' in s.hosts_db, 'hear of 9');
    await s1.until((s) => s.hosts.some((h) => h.id === 8), 'know 8');

    const reg = (type: number, sourceId: number, lastHopId: number, n: string, i: string) =>
      encode({ type, sourceId, lastHopId, name: n, info: i } as Message);
    // What our crc-server received: the Python server's own registration, last_hop 0, then its
    // echo (it seeds us on our reply's last_hop 0, as the course's servers F-I do), which we ignore.
    const upPy = pyPack('registration', '0', '7', '0', name, info);
    expect(cap.up().toString('hex')).toBe(upPy + pyPack('registration', '0', '7', '7', name, info) + pyPack('registration', '0', '8', '7', 'marker-up', 'Marker'));
    expect(reg(MessageType.ServerRegistration, 7, 0, name, info).toString('hex')).toBe(upPy);
    expect(cap.up()[9]).toBe(Buffer.byteLength(name)); // byte, not character, counts
    expect(cap.up().readUInt16BE(10)).toBe(Buffer.byteLength(info));
    // What our server seeded it with: itself with last_hop 0 (adjacent to every implementation), then client 101, relayed (last_hop = 1).
    const downPy = pyPack('registration', '0', '1', '0', 'alpha', 'ours ✓') + pyPack('registration', '128', '101', '1', 'frodo', 'Test info');
    expect(cap.down().toString('hex')).toBe(downPy + pyPack('registration', '0', '9', '1', 'marker-down', 'Marker'));
    expect(Buffer.concat([reg(0, 1, 0, 'alpha', 'ours ✓'), reg(0x80, 101, 1, 'frodo', 'Test info')]).toString('hex')).toBe(downPy);

    // A Python client through a capturing relay: its registration, then our welcome and 101.
    const capC = await capture(s1.port);
    const py = await pyClient(201, 'pippin', capC.port, 'Took');
    await py.until((s) => s.connected_user_ids.length === 1, 'hear of 101');
    // A chat behind everything s1 sends pippin: anything extra would come before it (FIFO).
    c101.send('/msg 201 marker');
    await py.until((s) => s.chat_messages_log.includes('marker'), 'get the marker chat');
    expect(capC.up().toString('hex')).toBe(pyPack('registration', '128', '201', '0', 'pippin', 'Took'));
    const welcomePy = pyPack('status', '1', '0', '0', WELCOME('pippin'));
    const marker = encode({ type: MessageType.ClientChat, sourceId: 101, destinationId: 201, content: 'marker' }).toString('hex');
    expect(capC.down().toString('hex')).toBe(welcomePy + pyPack('registration', '128', '101', '1', 'frodo', 'Test info') + marker);
    expect(encode({ type: MessageType.Status, sourceId: 1, destinationId: 0, statusCode: 0, content: WELCOME('pippin') }).toString('hex')).toBe(welcomePy);
  });
});
