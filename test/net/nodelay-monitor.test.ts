// TCP_NODELAY on every CRC socket, and the HTTP monitor port.
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMonitor } from '../../src/net/monitor.ts';
import { MessageType } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  vi.restoreAllMocks();
});

describe('TCP_NODELAY', () => {
  it('is set on accepted and on dialled sockets', async () => {
    const original = net.Socket.prototype.setNoDelay;
    const calls: Array<{ local: number | undefined; remote: number | undefined; noDelay: boolean | undefined }> = [];
    vi.spyOn(net.Socket.prototype, 'setNoDelay').mockImplementation(function (this: net.Socket, noDelay?: boolean) {
      calls.push({ local: this.localPort, remote: this.remotePort, noDelay });
      return original.call(this, noDelay);
    });
    const { node: a } = await cleanup.server({ id: 1 });
    const { node: b } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: a.port } });
    const client = await cleanup.client({ id: 10, serverPort: a.port });
    await waitFor(() => a.core.host(2) && a.core.host(10), 3000, 'server 2 and client 10 at server 1');
    const on = (noDelay: boolean | undefined) => noDelay === undefined || noDelay === true;

    // Dialled: server 2's bootstrap link and the client's link, both to a's port.
    const dialled = calls.filter((c) => c.remote === a.port && on(c.noDelay));
    expect(dialled.length, JSON.stringify(calls)).toBeGreaterThanOrEqual(2);
    // Accepted: both of a's inbound sockets.
    const accepted = calls.filter((c) => c.local === a.port && on(c.noDelay));
    expect(accepted.length, JSON.stringify(calls)).toBeGreaterThanOrEqual(2);
    expect(calls.some((c) => c.noDelay === false)).toBe(false);
    expect(b.port).toBeGreaterThan(0);
    expect(client.state().connected).toBe(true);
  });
});

describe('monitor', () => {
  it('serves /state, /metrics and 404', async () => {
    const { node: server } = await cleanup.server({ id: 7, name: 'watched', info: 'under observation' });
    const monitor = await startMonitor(server, 0);
    cleanup.add(() => monitor.close());
    expect(monitor.port).toBeGreaterThan(0);
    const { node: other } = await cleanup.server({ id: 8, connectTo: { host: '127.0.0.1', port: server.port } });
    const alice = await cleanup.client({ id: 70, name: 'alice', info: 'a', serverPort: server.port });
    const bob = await cleanup.client({ id: 71, name: 'bob', info: 'b', serverPort: server.port });
    await waitFor(() => alice.state().connectedUserIds.includes(71) && other.core.host(71), 3000, 'everyone registered');

    const sent = 7;
    for (let i = 0; i < sent; i++) alice.chat(71, `m${i}`);
    await waitFor(() => bob.state().chatLog.length === sent, 3000, 'chats at bob');
    const bad = await cleanup.raw(server.port);
    bad.socket.write(Buffer.from([0x7f]));
    await waitFor(() => server.counters.decodeErrors === 1, 3000, 'a decode error');

    const base = `http://127.0.0.1:${monitor.port}`;
    const stateRes = await fetch(`${base}/state`);
    expect(stateRes.status).toBe(200);
    expect(stateRes.headers.get('content-type')).toMatch(/application\/json/);
    const state = (await stateRes.json()) as Record<string, unknown>;
    expect(Object.keys(state).sort()).toEqual(['adjacentServerIds', 'adjacentUserIds', 'hosts', 'id', 'name', 'statusLog']);
    expect(state.id).toBe(7);
    expect(state.name).toBe('watched');
    const hosts = state.hosts as Array<Record<string, unknown>>;
    for (const h of hosts) expect(Object.keys(h).sort()).toEqual(['firstLinkId', 'id', 'info', 'kind', 'name']);
    expect(hosts.map((h) => h.id as number).sort((x, y) => x - y)).toEqual([8, 70, 71]);
    expect(hosts.find((h) => h.id === 70)).toEqual({ id: 70, kind: 'client', name: 'alice', info: 'a', firstLinkId: 70 });
    expect(hosts.find((h) => h.id === 8)).toMatchObject({ kind: 'server', firstLinkId: 8 });
    expect(state.adjacentServerIds).toEqual([8]);
    expect((state.adjacentUserIds as number[]).sort((x, y) => x - y)).toEqual([70, 71]);

    const metricsRes = await fetch(`${base}/metrics`);
    expect(metricsRes.status).toBe(200);
    expect(metricsRes.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metricsRes.text();
    const sample = (name: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
      expect(line, `${name}{${labels}} in:\n${text}`).toBeDefined();
      return Number(line!.split(' ').pop());
    };
    expect(sample('crc_messages_received_total', 'server_id="7",type="client_chat"')).toBe(sent);
    expect(sample('crc_messages_sent_total', 'server_id="7",type="client_chat"')).toBe(sent);
    expect(sample('crc_messages_received_total', 'server_id="7",type="client_registration"')).toBe(2);
    expect(sample('crc_decode_errors_total', 'server_id="7"')).toBe(1);
    expect(text).toMatch(/^# TYPE crc_decode_errors_total counter$/m);
    expect(server.counters.msgsIn[MessageType.ClientChat]).toBe(sent);

    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    await missing.text();
  });
});
