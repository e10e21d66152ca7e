// Hostile or broken peers on real sockets: bad frames, spoofed sources, a peer that stops reading.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import net from 'node:net';
import { CrcClientNode } from '../../src/net/client-node.ts';
import { CrcServerNode } from '../../src/net/server-node.ts';
import { Cleanup, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function chatHeaderWithLength(sourceId: number, destinationId: number, length: number): Buffer {
  const b = Buffer.alloc(13);
  b[0] = MessageType.ClientChat;
  b.writeUInt32BE(sourceId, 1);
  b.writeUInt32BE(destinationId, 5);
  b.writeUInt32BE(length, 9);
  return b;
}

describe('a bad frame closes only the connection that sent it', () => {
  it.each([
    { what: 'unknown type byte 0x7f', bytes: Buffer.from([0x7f, 1, 2, 3]), reason: /unknown message type byte 0x7f/ },
    { what: 'content length over 64 KiB', bytes: chatHeaderWithLength(30, 20, 64 * 1024 + 1), reason: /content length 65537 exceeds the limit of 65536/ },
  ])('$what', async ({ bytes, reason }) => {
    const { node: server, logs } = await cleanup.server({ id: 1 });
    const alice = await cleanup.client({ id: 20, serverPort: server.port });
    const bob = await cleanup.client({ id: 21, serverPort: server.port });
    const bad = await cleanup.raw(server.port);
    bad.write({ type: MessageType.ClientRegistration, sourceId: 30, lastHopId: 0, name: 'mallory', info: '' });
    const bystander = await cleanup.raw(server.port);
    bystander.write({ type: MessageType.ClientRegistration, sourceId: 31, lastHopId: 0, name: 'bystander', info: '' });
    await waitFor(() => [20, 21, 30, 31].every((id) => server.core.host(id)), 3000, 'all four clients registered');
    expect(server.counters.decodeErrors).toBe(0);

    bad.socket.write(bytes);
    await waitFor(() => bad.closed, 3000, 'the bad peer to be disconnected');
    await waitFor(() => server.counters.decodeErrors === 1, 3000, 'decodeErrors to reach 1');
    expect(logs.some((l) => reason.test(l)), `a log line matching ${reason} in:\n${logs.join('\n')}`).toBe(true);
    // The bad peer is forgotten (closing without a quit counts as a quit); nobody else is.
    await waitFor(() => !server.core.host(30), 3000, 'server to forget 30');
    expect(server.core.host(31)).toBeDefined();
    expect(bystander.closed).toBe(false);
    expect(server.connectionCounts().client).toBe(3);

    // The server keeps serving.
    alice.chat(21, 'still here?');
    bystander.write({ type: MessageType.ClientChat, sourceId: 31, destinationId: 20, content: 'yes' });
    await waitFor(() => bob.state().chatLog.includes('still here?') && alice.state().chatLog.includes('yes'), 3000, 'chats after the bad frame');
    expect(server.counters.decodeErrors).toBe(1);
  });
});

describe('spoofed source', () => {
  it('a chat whose source is another client is not delivered and counts as a protocol error', async () => {
    const { node: server, logs } = await cleanup.server({ id: 1 });
    const victim = await cleanup.client({ id: 11, serverPort: server.port });
    const target = await cleanup.client({ id: 12, serverPort: server.port });
    const spoofer = await cleanup.raw(server.port);
    spoofer.write({ type: MessageType.ClientRegistration, sourceId: 10, lastHopId: 0, name: 'spoofer', info: '' });
    await waitFor(() => [10, 11, 12].every((id) => server.core.host(id)), 3000, 'three clients registered');
    expect(server.protocolErrors).toBe(0);

    // One write: the spoof, then a legitimate marker. Frames on one connection are handled in
    // order, so once the marker has arrived the spoof has been dealt with.
    spoofer.socket.write(Buffer.concat([
      encode({ type: MessageType.ClientChat, sourceId: 11, destinationId: 12, content: 'spoofed' }),
      encode({ type: MessageType.ClientChat, sourceId: 10, destinationId: 12, content: 'marker' }),
    ]));
    await waitFor(() => target.state().chatLog.includes('marker'), 3000, 'the marker chat');
    expect(target.state().chatLog).toEqual(['marker']);
    expect(victim.state().chatLog).toEqual([]);
    expect(server.protocolErrors).toBe(1);
    expect(logs.some((l) => /rejected from connection/.test(l) && /11/.test(l)), logs.join('\n')).toBe(true);
    expect(server.counters.decodeErrors).toBe(0);
  });
});

describe('slow reader', () => {
  it('cuts off a peer that stops reading once its queue passes maxQueueBytes; memory stays bounded', async () => {
    const maxQueueBytes = 256 * 1024;
    const { node: server, logs } = await cleanup.server({ id: 1, maxQueueBytes });
    const flooder = await cleanup.client({ id: 40, serverPort: server.port });
    const bystander = await cleanup.client({ id: 41, serverPort: server.port });
    const slow = await cleanup.raw(server.port);
    slow.write({ type: MessageType.ClientRegistration, sourceId: 42, lastHopId: 0, name: 'sloth', info: '' });
    await waitFor(() => slow.messages.some((m) => m.type === MessageType.Status), 3000, 'the welcome at the slow peer');
    await waitFor(() => flooder.state().connectedUserIds.includes(42), 3000, 'flooder to learn 42');
    slow.socket.pause();

    const big = 'z'.repeat(60_000);
    const frame = 13 + big.length;
    let sent = 0;
    let maxPending = 0;
    const cap = 256 * 1024 * 1024; // give up far beyond any kernel buffering
    while (server.core.host(42) && sent * frame < cap) {
      for (let i = 0; i < 16; i++) flooder.chat(42, big);
      sent += 16;
      // Let the server drain the flooder before the next burst; sample its memory meanwhile.
      await waitFor(() => {
        maxPending = Math.max(maxPending, server.pendingBytes());
        return flooder.pendingBytes() < 2 * 1024 * 1024 || !server.core.host(42);
      }, 5000, 'flooder queue to drain');
      maxPending = Math.max(maxPending, server.pendingBytes());
    }
    expect(server.core.host(42), `slow peer still known after ${sent} chats (${sent * frame} bytes)`).toBeUndefined();
    const cut = await waitFor(() => logs.find((l) => /not reading/.test(l)), 3000, "a log line containing 'not reading'");
    // It was our small limit that did it, on the slow peer's connection.
    expect(cut).toContain(`exceeded ${maxQueueBytes} bytes`);
    expect(cut).toContain('client 42');
    // Bounded: never more than the limit plus one frame waiting in the server.
    expect(maxPending).toBeLessThanOrEqual(maxQueueBytes + frame);
    await waitFor(() => server.pendingBytes() < maxQueueBytes, 3000, 'server queue to drain after the cut');
    expect(server.connectionCounts().client).toBe(2);

    // Still working for the others.
    flooder.chat(41, 'after the flood');
    bystander.chat(40, 'ack');
    await waitFor(() => bystander.state().chatLog.includes('after the flood') && flooder.state().chatLog.includes('ack'), 3000, 'chats after the cut');
    expect(flooder.state().connectedUserIds).not.toContain(42);
  });
});

describe('text validation at the edge', () => {
  it('a client sending invalid UTF-8 is cut off by its own server; server links stay up', async () => {
    const a = new CrcServerNode({ id: 1, name: 'a', info: '' });
    const pa = await a.start();
    const b = new CrcServerNode({ id: 2, name: 'b', info: '', connectTo: { host: '127.0.0.1', port: pa } });
    const pb = await b.start();
    const rx = new CrcClientNode({ id: 20, name: 'rx', info: '', serverPort: pa });
    await rx.connect();
    const bad = net.connect({ host: '127.0.0.1', port: pb });
    bad.resume(); // read (and drop) what the server sends, so its close is seen
    await new Promise((r) => bad.once('connect', r));
    bad.write(encode({ type: MessageType.ClientRegistration, sourceId: 21, lastHopId: 0, name: 'bad', info: '' }));
    await waitFor(() => rx.state().connectedUserIds.includes(21), 5000, 'rx to learn the bad client');
    const frame = encode({ type: MessageType.ClientChat, sourceId: 21, destinationId: 20, content: 'ok' });
    frame[13] = 0xc3; // a lead byte with no continuation
    const closed = new Promise((r) => bad.once('close', r));
    bad.write(frame);
    await closed;
    expect(b.counters.decodeErrors).toBe(1);
    expect(a.counters.decodeErrors).toBe(0);
    expect(rx.state().chatLog).toEqual([]);
    expect(b.state().adjacentServerIds).toEqual([1]);
    await rx.disconnect();
    await b.stop();
    await a.stop();
  });
});
