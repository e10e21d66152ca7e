// Clients that read nothing, made congested on a real CrcServerNode (not a test file itself):
// one fed 60 KB chats by an accomplice, or one that floods chats to unknown ids and never reads
// the answers. Both stay congested (their queue past high water) until the SendQ timeout.
import { performance } from 'node:perf_hooks';
import type { CrcServerNode } from '../../src/net/server-node.ts';
import { MessageType, encode } from '../../src/protocol/index.ts';
import { type Cleanup, type RawPeer, waitFor } from '../net/helpers.ts';
import { chatFrame, rawClient, sendPaced } from './helpers.ts';

const MiB = 1024 * 1024;
/** More than the kernel's buffers on loopback (about 4 MiB a socket) and any high water a test sets. */
const FEED_AT_MOST = 32 * MiB;

export const congested = (node: CrcServerNode, id: number): boolean => node.connectionTo(id)?.congestion !== undefined;

/**
 * Congested for good: the kernel takes more from a queue now and then while its buffers grow
 * (ending a congestion at low water), so wait until it took nothing for a while.
 */
async function settled(node: CrcServerNode, id: number): Promise<boolean> {
  const taken = node.connectionTo(id)?.drainedBytes;
  // Time is what "settled" means here: the kernel grows a socket's buffers on its own clock, and
  // no event says it has stopped; a quarter second with nothing taken is the test of it.
  await new Promise((r) => setTimeout(r, 250));
  return congested(node, id) && node.connectionTo(id)?.drainedBytes === taken;
}

/** Run `feed` (which stops once `id` is congested) until `id` stays congested; bounded. */
async function fillUntilSettled(node: CrcServerNode, id: number, feed: () => Promise<unknown>): Promise<void> {
  for (let round = 0; ; round++) {
    await feed();
    if (await settled(node, id)) return;
    if (round === 20) throw new Error(`client ${id}'s queue did not stay past high water`);
  }
}

/** Client `id` at `node`, reading nothing, fed chats by client `feederId` until its queue is past high water. */
export async function fedStaller(cleanup: Cleanup, node: CrcServerNode, id: number, feederId: number): Promise<{ staller: RawPeer; feeder: RawPeer }> {
  const staller = await rawClient(cleanup, node.port, id);
  staller.socket.pause();
  const feeder = await rawClient(cleanup, node.port, feederId);
  // The feeder is held once the queue passes high water; sendPaced then stops on its own.
  const chat = chatFrame(feederId, id, 60_000);
  await fillUntilSettled(node, id, () => sendPaced(feeder.socket, chat, 64 * MiB, FEED_AT_MOST, () => congested(node, id)));
  return { staller, feeder };
}

/** Client `id` at `node`, reading nothing, sending chats to unknown ids until the answers pass high water. */
export async function unknownIdFlooder(cleanup: Cleanup, node: CrcServerNode, id: number): Promise<RawPeer> {
  const flooder = await rawClient(cleanup, node.port, id);
  flooder.socket.pause();
  const batch = Buffer.concat(Array.from({ length: 2000 }, (_, i) =>
    encode({ type: MessageType.ClientChat, sourceId: id, destinationId: 7_000_000 + i, content: '' })));
  await fillUntilSettled(node, id, () => sendPaced(flooder.socket, batch, 16 * MiB, FEED_AT_MOST, () => congested(node, id)));
  return flooder;
}

/**
 * A pair of fresh clients (`first`, `first + 1`) at `node`: how long from the first dial until
 * both are registered, know each other and each has a chat from the other (ms).
 */
export async function newcomerPair(cleanup: Cleanup, node: CrcServerNode, first: number, boundMs = 5000): Promise<number> {
  const t0 = performance.now();
  const a = await cleanup.client({ id: first, serverPort: node.port });
  const b = await cleanup.client({ id: first + 1, serverPort: node.port });
  await waitFor(() => a.state().connectedUserIds.includes(b.id) && b.state().connectedUserIds.includes(a.id), boundMs, 'the newcomers to know each other');
  a.chat(b.id, 'hello b');
  b.chat(a.id, 'hello a');
  await waitFor(() => a.state().chatLog.includes('hello a') && b.state().chatLog.includes('hello b'), boundMs, 'the newcomers\' chats');
  return performance.now() - t0;
}
