// What a server says to its adjacent servers when it stops gracefully, so the network forgets
// it at once rather than when each close is seen (or, behind a silent link, a ping timeout
// later): a client quit for each of its own clients, then a server quit for itself. Our
// servers split it off on the server quit alone; the course's servers do not know 0x02 but do
// forget the clients. In course-reference mode (static tree) nothing is said, as the course's
// servers say nothing.
import type { ServerCore } from '../core/index.ts';
import { MessageType, encode } from '../protocol/index.ts';

/** The frames to send on every adjacent server link, in order (empty with a static tree). */
export function farewellFrames(core: ServerCore, reason: string, staticTree: boolean): Buffer[] {
  if (staticTree || core.adjacentServerIds().length === 0) return [];
  const frames = core.adjacentUserIds().map((id) => encode({ type: MessageType.ClientQuit, sourceId: id, content: reason }));
  frames.push(encode({ type: MessageType.ServerQuit, sourceId: core.id, replacementId: 0, content: reason }));
  return frames;
}
