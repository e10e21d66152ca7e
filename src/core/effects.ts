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
  | { type: 'limit-reached'; limit: 'max-hosts' | 'status-log'; value: number };

export type Effect =
  | { kind: 'send'; conn: ConnId; data: Buffer }
  /**
   * A burst of frames (a seed, a netsplit's departures), only with the streamBursts option:
   * the driver pulls them as the connection drains, in order with the sends around it.
   */
  | { kind: 'stream'; conn: ConnId; frames: Iterable<Buffer> }
  | { kind: 'close'; conn: ConnId; reason: string }
  | { kind: 'event'; event: CoreEvent };
