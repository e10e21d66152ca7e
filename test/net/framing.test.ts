// Real TCP: frames split byte by byte, and many frames in one write, must both work.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameDecoder, MessageType, StatusCode, encode } from '../../src/protocol/index.ts';
import { Cleanup, sorted, tick, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  vi.restoreAllMocks();
});

describe('stream framing over real sockets', () => {
  it('accepts a client registration written one byte at a time and answers with welcome + registrations', async () => {
    const { node: server } = await cleanup.server({ id: 1 });
    const other = await cleanup.client({ id: 20, name: 'alice', serverPort: server.port });
    await waitFor(() => server.core.host(20), 3000, 'server to learn client 20');

    // Record every chunk any decoder in this process is fed, to check the server really
    // received the registration in pieces.
    const fed: Array<{ decoder: FrameDecoder; length: number }> = [];
    const feed = FrameDecoder.prototype.feed;
    vi.spyOn(FrameDecoder.prototype, 'feed').mockImplementation(function (this: FrameDecoder, chunk: Uint8Array) {
      fed.push({ decoder: this, length: chunk.length });
      return feed.call(this, chunk);
    });
    const raw = await cleanup.raw(server.port);
    const reg = encode({ type: MessageType.ClientRegistration, sourceId: 30, lastHopId: 0, name: 'bytewise', info: 'one byte at a time ✓' });
    for (const b of reg) {
      raw.socket.write(Buffer.from([b]));
      await tick();
    }
    await waitFor(() => raw.messages.length >= 2, 3000, 'welcome and registration of client 20');
    expect(raw.decodeError).toBeUndefined();
    const [welcome, regOf20] = raw.messages;
    expect(welcome).toMatchObject({
      type: MessageType.Status, sourceId: 1, destinationId: 0, statusCode: StatusCode.Welcome,
      content: 'Welcome to the Clemson Relay Chat network bytewise',
    });
    expect(regOf20).toMatchObject({ type: MessageType.ClientRegistration, sourceId: 20, lastHopId: 1, name: 'alice' });
    // The server recorded it whole, and told the other client.
    const serverSide = server.connectionTo(30)!.decoder;
    const reads = fed.filter((f) => f.decoder === serverSide).map((f) => f.length);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(reg.length);
    expect(reads.length, `server read the ${reg.length}-byte registration as ${JSON.stringify(reads)}`).toBeGreaterThan(1);
    expect(server.core.host(30)).toMatchObject({ kind: 'client', name: 'bytewise', info: 'one byte at a time ✓', firstLinkId: 30 });
    await waitFor(() => other.state().connectedUserIds.includes(30), 3000, 'client 20 to learn 30');
    expect(server.counters.decodeErrors).toBe(0);
  });

  it('relays 500 chats packed in one write across two servers, in order and intact', async () => {
    const { node: a } = await cleanup.server({ id: 1 });
    const { node: b } = await cleanup.server({ id: 2, connectTo: { host: '127.0.0.1', port: a.port } });
    const receiver = await cleanup.client({ id: 200, serverPort: b.port });
    const raw = await cleanup.raw(a.port);
    raw.write({ type: MessageType.ClientRegistration, sourceId: 100, lastHopId: 0, name: 'packer', info: '' });
    // The client hears of 100 a moment after its server learns it: wait for the client itself.
    await waitFor(() => a.core.host(200) && receiver.state().connectedUserIds.includes(100), 3000, 'both servers and the receiver to know both clients');
    expect(sorted(receiver.state().connectedUserIds)).toEqual([100]);

    const contents = Array.from({ length: 500 }, (_, i) =>
      `#${i} ${'x'.repeat(i % 37)} ünïcödé ✓ 🚀 ${i % 7 === 0 ? '' : 'tail'}`);
    const packed = Buffer.concat(contents.map((content) =>
      encode({ type: MessageType.ClientChat, sourceId: 100, destinationId: 200, content })));
    raw.socket.write(packed);

    await waitFor(() => receiver.state().chatLog.length >= 500, 5000, '500 chats at client 200');
    expect(receiver.state().chatLog).toEqual(contents);
    expect(a.counters.decodeErrors + b.counters.decodeErrors).toBe(0);
    expect(a.counters.msgsIn[MessageType.ClientChat]).toBe(500);
    expect(b.counters.msgsIn[MessageType.ClientChat]).toBe(500);
    expect(raw.closed).toBe(false);
  });
});
