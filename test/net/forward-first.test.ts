// Forward first, account later: a server relaying a quit writes it on before it hands on its
// events (which feed the event stream and the coordinator); the events keep the stamp of the
// moment they happened and their order. Real sockets on port 0.
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/net/events.ts';
import type { CrcServerNode } from '../../src/net/server-node.ts';
import { MessageType } from '../../src/protocol/index.ts';
import { rawClient, rawServer } from '../hardening/helpers.ts';
import { Cleanup, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('a relayed quit leaves before its events', () => {
  it('has been handed to the other server\'s socket when host-forgotten is emitted', async () => {
    let node: CrcServerNode | undefined;
    const forgotten: Array<{ pendingToRelay: number; t: number; emittedAt: number }> = [];
    const types: string[] = [];
    ({ node } = await cleanup.server({
      id: 1,
      traceFrames: 'control',
      onEvent: (e: NodeEvent, t: number) => {
        types.push(e.type);
        if (e.type === 'host-forgotten' && e.id === 102) {
          forgotten.push({ pendingToRelay: node!.connectionTo(50)!.pendingBytes, t, emittedAt: performance.timeOrigin + performance.now() });
        }
      },
    }));
    const relay = await rawServer(cleanup, node.port, 50);
    const quitter = await rawClient(cleanup, node.port, 102);
    await waitFor(() => relay.messages.some((m) => m.type === MessageType.ClientRegistration && m.sourceId === 102), 3000, 'client 102 announced to server 50');
    types.length = 0;
    quitter.write({ type: MessageType.ClientQuit, sourceId: 102, content: 'bye' });
    await waitFor(() => forgotten.length > 0, 3000, 'host-forgotten for 102');
    // Nothing of the quit is still queued toward server 50: it was written before the event.
    expect(forgotten[0]!.pendingToRelay).toBe(0);
    expect(forgotten[0]!.t).toBeLessThanOrEqual(forgotten[0]!.emittedAt); // stamped when it happened
    await waitFor(() => relay.messages.some((m) => m.type === MessageType.ClientQuit && m.sourceId === 102), 3000, 'the quit at server 50');
    // The traced frame (the quit toward server 50) and the forget, in the order they happened.
    expect(types.slice(0, 2)).toEqual(['frame-sent', 'host-forgotten']);
  });
});
