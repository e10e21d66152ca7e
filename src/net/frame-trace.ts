// With traceFrames: an event for each frame on a server link (not on a client's), when it is
// received and when it is written, for the reports' frame matching and Lamport diagram.
import type { ServerCore } from '../core/index.ts';
import { MessageType } from '../protocol/index.ts';
import type { FramedConnection } from './connection.ts';
import { type FrameEvent, type NodeEvent, frameEvent } from './events.ts';

export class FrameTracer {
  constructor(
    private readonly core: ServerCore,
    private readonly conns: ReadonlyMap<number, FramedConnection>,
    private readonly emit: (event: NodeEvent) => void,
    /** false (traceFrames 'control'): chats are not traced */
    private readonly chats = true,
  ) {}

  /** A lazy burst whose frames are traced as the connection pulls them (when they are written). */
  *tracedFrames(connId: number, frames: Iterable<Buffer>): Iterable<Buffer> {
    for (const f of frames) {
      this.traceFrame('frame-sent', connId, f);
      yield f;
    }
  }

  /** An event for a frame on a server link (not on a client's). */
  traceFrame(type: FrameEvent['type'], connId: number, raw: Buffer): void {
    if (!this.chats && raw[0] === MessageType.ClientChat) return;
    const peer = this.core.peerOf(connId);
    if (peer) {
      if (peer.kind === 'server') this.emit(frameEvent(type, connId, peer.id, raw));
      return;
    }
    // Not registered yet. Our own dial goes to a server whose id we learn when it answers (0
    // until then; a report takes it from the link-up). What comes back on it, or a server's
    // registration on a link it dialled to us, names its sender.
    const outbound = this.conns.get(connId)?.outbound;
    if (type === 'frame-sent') {
      if (outbound) this.emit(frameEvent(type, connId, 0, raw));
    } else if (outbound || raw[0] === MessageType.ServerRegistration) {
      this.emit(frameEvent(type, connId, raw.readUInt32BE(1), raw));
    }
  }
}
