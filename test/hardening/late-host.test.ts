// A late thread is not a late peer. When a server's thread stands still past a timeout, the
// sweep timer fires first in the next turn of the event loop (timers run before I/O), while
// the peer's bytes already wait in the kernel. Seen while tree:2000 booted at load 30-50:
// 32 connections cut for "registration timeout" whose registration had arrived, 28 of them
// established links on the other side (netsplits). The sweep runs after the turn's reads.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Hold this thread (the server's) for `ms`: nothing else of it runs meanwhile. */
function standStill(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* the host is late */ }
}

describe('a late host', () => {
  it('does not cut a peer for a registration timeout when its registration waited in the kernel', async () => {
    const registrationTimeoutMs = 200;
    const { node } = await cleanup.server({ id: 1, registrationTimeoutMs });
    const peer = await cleanup.raw(node.port);
    await waitFor(() => node.connectionsOpened === 1, 3000, 'the connection accepted');
    // The thread stands still past the timeout; the registration arrives during the stall
    // (written straight to the kernel: libuv tries the write at once).
    standStill(registrationTimeoutMs + 100);
    peer.socket.write(encode({ type: MessageType.ClientRegistration, sourceId: 101, lastHopId: 0, name: 'late', info: '' }));
    standStill(20);
    await waitFor(() => peer.messages.some((m) => m.type === MessageType.Status) || peer.closed, 3000, 'welcomed or cut');
    expect(peer.closed).toBe(false);
    expect(node.guard.counters.registrationTimeouts).toBe(0);
  });

  it('still cuts a connection that never registers', async () => {
    const { node } = await cleanup.server({ id: 1, registrationTimeoutMs: 200 });
    const silent = await cleanup.raw(node.port);
    standStill(300);
    await waitFor(() => silent.closed, 3000, 'the silent connection cut');
    expect(node.guard.counters.registrationTimeouts).toBe(1);
  });
});
