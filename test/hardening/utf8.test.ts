// Chats cross server links unchecked; the server that hands one to a client checks its text
// once, and drops (and counts) one that is not UTF-8 instead of breaking the client.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { expectTalking, honestPair, rawServer, relayedClients, serverPair } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A chat frame whose content is `bytes`, whatever they are: encoded with stand-ins, then overwritten. */
function chatBytes(src: number, dest: number, bytes: Buffer): Buffer {
  const frame = encode({ type: MessageType.ClientChat, sourceId: src, destinationId: dest, content: '?'.repeat(bytes.length) });
  bytes.copy(frame, frame.length - bytes.length);
  return frame;
}

const INVALID = Buffer.from([0xff, 0xfe, 0xc0, 0xaf]);

describe('invalid UTF-8 from a server link', () => {
  it('is dropped by the server that would deliver it, not by the relay; clients stay connected', async () => {
    const { a, b } = await serverPair(cleanup);
    const { alice: near, bob: far } = await honestPair(cleanup, a.port, b.port);
    const buggy = await rawServer(cleanup, a.port, 50);
    buggy.write(relayedClients(60, 1, 50));
    await waitFor(() => near.state().connectedUserIds.includes(60) && far.state().connectedUserIds.includes(60), 3000, 'both clients to learn 60');

    buggy.write(chatBytes(60, 101, INVALID)); // delivered by a
    buggy.write(chatBytes(60, 102, INVALID)); // relayed by a, delivered by b
    // a drops only the one it delivers and relays the other untouched: b, which delivers it, drops it.
    await waitFor(() => a.core.counters.chatsInvalidUtf8 === 1 && b.core.counters.chatsInvalidUtf8 === 1, 3000, 'one drop at a and one at b');
    buggy.write(encode({ type: MessageType.ClientChat, sourceId: 60, destinationId: 101, content: 'valid now' }));
    buggy.write(encode({ type: MessageType.ClientChat, sourceId: 60, destinationId: 102, content: 'valid now' }));
    await waitFor(() => near.state().chatLog.includes('valid now') && far.state().chatLog.includes('valid now'), 3000, 'the valid chats');
    expect(near.state().chatLog).toEqual(['valid now']);
    expect(far.state().chatLog).toEqual(['valid now']);
    expect(near.state().connected && far.state().connected).toBe(true);
    expect(buggy.closed).toBe(false); // a link that carried a bad chat is not cut for it
    await expectTalking(near, far, 'honest');
  });
});
