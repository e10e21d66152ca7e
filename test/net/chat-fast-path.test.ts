// A server link's chat fast path (FramedConnection.chatRoute): whole chats in a read are routed
// by their header and forwarded as ranges of the read. Real sockets on port 0.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { rawClient, rawServer, relayedClients, serverPair, statusFrame } from '../hardening/helpers.ts';
import { Cleanup, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const chat = (src: number, dest: number, content: string) => encode({ type: MessageType.ClientChat, sourceId: src, destinationId: dest, content });

/** Server 50 (raw, at a) with client 60 behind it; client 102 (raw) at b; a and b joined. */
async function setUp(opts = {}) {
  const { a, b } = await serverPair(cleanup, opts);
  const bob = await rawClient(cleanup, b.port, 102);
  const relay = await rawServer(cleanup, a.port, 50);
  relay.write(relayedClients(60, 1, 50));
  await waitFor(() => b.core.host(60) && a.core.host(102), 3000, 'client 60 known at b, 102 at a');
  return { a, b, bob, relay };
}

/** 200 chats 60 -> 102 in one write, with frames the fast path declines in between. */
function mixedBurst(): { wire: Buffer; expected: string[] } {
  const frames: Buffer[] = [];
  const expected: string[] = [];
  for (let i = 0; i < 200; i++) {
    frames.push(chat(60, 102, `m${i}`));
    expected.push(`m${i}`);
    if (i % 50 === 7) frames.push(chat(60, 999, 'nobody')); // unknown destination: decoded path
    if (i % 50 === 20) frames.push(statusFrame(60, 102, `st${i}`)); // not a chat
    if (i % 50 === 33) frames.push(chat(61, 102, 'spoofed')); // source not behind the link: refused
  }
  return { wire: Buffer.concat(frames), expected };
}

const chatsAt = (peer: { messages: Array<{ type: number; content?: string }> }) =>
  peer.messages.filter((m) => m.type === MessageType.ClientChat).map((m) => (m as { content: string }).content);

describe('the chat fast path on server links', () => {
  it('forwards a burst in order across two servers, with declined frames taking the decoded path between', async () => {
    const { a, b, bob, relay } = await setUp();
    const { wire, expected } = mixedBurst();
    relay.write(wire);
    await waitFor(() => chatsAt(bob).length >= expected.length, 5000, 'the 200 chats at 102');
    expect(chatsAt(bob)).toEqual(expected);
    // Both servers routed by header: a relays, b delivers to its client (checking the text).
    expect(a.counters.chatsRouted).toBeGreaterThan(0);
    expect(b.counters.chatsRouted).toBeGreaterThan(0);
    // What was declined took the usual path: a told the relay of the unknown id, and the spoof was refused.
    await waitFor(() => relay.messages.filter((m) => m.type === MessageType.Status).length >= 4, 3000, 'unknown-id replies');
    expect(a.protocolErrors).toBeGreaterThanOrEqual(4);
    // Every frame is counted once as received, fast or not.
    expect(a.counters.msgsIn[MessageType.ClientChat]).toBeGreaterThanOrEqual(200 + 8);
    expect(bob.messages.filter((m) => m.type === MessageType.Status && m.content.startsWith('st')).length).toBe(4);
  });

  it('is off when frames are traced: every frame gets its events', async () => {
    const events: Array<{ type: string }> = [];
    const { a, bob, relay } = await setUp({ traceFrames: true, onEvent: (e: { type: string }) => events.push(e) });
    relay.write(Buffer.concat([chat(60, 102, 'one'), chat(60, 102, 'two')]));
    await waitFor(() => chatsAt(bob).length === 2, 3000, 'two chats at 102');
    expect(a.counters.chatsRouted).toBe(0);
    expect(events.filter((e) => e.type === 'frame-received').length).toBeGreaterThan(0);
  });

  it("with traceFrames 'control', chats keep the fast path and get no events; the rest is traced", async () => {
    const events: Array<{ type: string; frame?: string }> = [];
    const { a, bob, relay } = await setUp({ traceFrames: 'control', onEvent: (e: { type: string }) => events.push(e) });
    relay.write(Buffer.concat([chat(60, 102, 'one'), statusFrame(60, 102, 'st'), chat(60, 102, 'two')]));
    await waitFor(() => chatsAt(bob).length === 2 && bob.messages.some((m) => m.type === MessageType.Status), 3000, 'two chats and a status at 102');
    expect(a.counters.chatsRouted).toBeGreaterThan(0);
    const frames = events.filter((e) => e.type === 'frame-received' || e.type === 'frame-sent');
    // The registrations (and the status) are traced, the chats are not (issue 20: 3,000 traced
    // chats/s kept the coordinator 1.4-2.5 s behind the network in quit-during-load).
    expect(frames.some((e) => e.frame === 'server_registration')).toBe(true);
    expect(frames.some((e) => e.frame === 'status')).toBe(true);
    expect(frames.filter((e) => e.frame === 'client_chat')).toEqual([]);
  });

  it('still drops, and counts, a chat whose text is not UTF-8 at the server that delivers it', async () => {
    const { b, bob, relay } = await setUp();
    const bad = chat(60, 102, '????');
    bad.fill(0xff, bad.length - 4);
    relay.write(Buffer.concat([chat(60, 102, 'before'), bad, chat(60, 102, 'after')]));
    await waitFor(() => chatsAt(bob).length === 2, 3000, 'the two valid chats at 102');
    expect(chatsAt(bob)).toEqual(['before', 'after']);
    expect(b.core.counters.chatsInvalidUtf8).toBe(1);
    expect(bob.decodeError).toBeUndefined();
  });

  it('on a client link, checks the text where it enters: invalid UTF-8 still cuts the sender, after what came before it', async () => {
    const { a, bob } = await setUp();
    const alice = await rawClient(cleanup, a.port, 101);
    await waitFor(() => a.core.host(102) && alice.messages.length > 0, 3000, 'alice registered');
    const bad = chat(101, 102, '????');
    bad.fill(0xff, bad.length - 4);
    const routedBefore = a.counters.chatsRouted;
    alice.write(Buffer.concat([chat(101, 102, 'c1'), chat(101, 102, 'c2'), bad, chat(101, 102, 'never')]));
    await waitFor(() => alice.closed, 3000, 'alice cut for a bad frame');
    await waitFor(() => chatsAt(bob).length === 2, 3000, 'the two chats before the bad one');
    expect(chatsAt(bob)).toEqual(['c1', 'c2']);
    expect(a.counters.chatsRouted - routedBefore).toBe(2);
    expect(a.counters.decodeErrors).toBe(1);
  });
});
