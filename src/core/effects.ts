// What a sans-I/O core asks its driver to do. The cores never touch a socket: they return
// these, and the driver (TCP node, worker, test) carries them out in order.

export type ConnId = number;
export type HostKind = 'server' | 'client';

export type ForgetReason = 'quit' | 'disconnect' | 'netsplit' | 'server-quit';

export type CoreEvent =
  | { type: 'host-learned'; id: number; kind: HostKind; name: string; firstLinkId: number }
  | { type: 'host-forgotten'; id: number; kind: HostKind; reason: ForgetReason }
  | { type: 'status-logged'; from: number; code: number; content: string }
  | { type: 'chat-delivered'; from: number; to: number; content: string }
  | { type: 'duplicate-id'; id: number; kind: HostKind }
  | { type: 'unknown-destination'; from: number; to: number }
  | { type: 'link-up'; conn: ConnId; peerId: number; kind: HostKind }
  | { type: 'link-down'; conn: ConnId; peerId: number; kind: HostKind; lost: number }
  | { type: 'protocol-error'; conn: ConnId; reason: string }
  /** A limit started to bite: the host table is full, or the status log started dropping its oldest. */
  | { type: 'limit-reached'; limit: 'max-hosts' | 'status-log'; value: number }
  /**
   * A link was silent past the liveness timeout and is closed: a server link (a netsplit
   * follows, as for any lost link), or a link this server dialled whose peer did not register
   * within the timeout (peerId 0, 'join timeout').
   */
  | { type: 'link-dead'; conn: ConnId; peerId: number; reason: LinkDeadReason; silentMs: number }
  /** Server `peerId` left the first ping unanswered: it is never pinged or timed out again. */
  | { type: 'no-liveness'; conn: ConnId; peerId: number };

export type LinkDeadReason = 'ping timeout' | 'join timeout';

export type Effect =
  | { kind: 'send'; conn: ConnId; data: Buffer }
  /**
   * A burst of frames (a seed, a netsplit's departures), only with the streamBursts option:
   * the driver pulls them as the connection drains, in order with the sends around it.
   */
  | { kind: 'stream'; conn: ConnId; frames: Iterable<Buffer> }
  /** `abort`: at once, without waiting for the peer's FIN (a dead peer never sends one). */
  | { kind: 'close'; conn: ConnId; reason: string; abort?: boolean }
  | { kind: 'event'; event: CoreEvent };
