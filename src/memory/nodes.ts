// The hosts of an in-memory network and what it records about them.
import type { ClientCore, ConnId, CoreEvent, ServerCore } from '../core/index.ts';
import type { DecodedMessage } from '../protocol/index.ts';
import type { PipeEnd } from './pipes.ts';

/** A host by name, or by id (the first host launched with that id; probes have none). */
export type NodeRef = string | number;

export type MemoryEnd = PipeEnd<MemoryNode>;

interface BaseNode {
  name: string;
  id: number;
  events: CoreEvent[];
}

export interface MemoryServer extends BaseNode {
  kind: 'server';
  core: ServerCore;
  ends: Map<ConnId, MemoryEnd>;
  /** hex of the first frame each accepted connection delivered: what the TCP nodes record as join frames */
  joinFrames: string[];
  /** accepted connections whose first frame is still to come */
  awaitingFirstFrame: Set<ConnId>;
}

export interface MemoryClient extends BaseNode {
  kind: 'client';
  core: ClientCore;
  end?: MemoryEnd;
}

/** A bare peer with no core, for hand-crafted bytes. */
export interface MemoryProbe extends BaseNode {
  kind: 'probe';
  end?: MemoryEnd;
  /** frames the probe received */
  received: DecodedMessage[];
  closedByPeer: boolean;
}

export type MemoryNode = MemoryServer | MemoryClient | MemoryProbe;

export interface TraceEntry {
  seq: number;
  /** name of the sending node */
  from: string;
  /** name of the receiving node */
  to: string;
  fromConn: ConnId;
  toConn: ConnId;
  /** exact frame bytes as decoded on the receiving side */
  raw: Buffer;
  msg: DecodedMessage;
}

export interface TracedEvent {
  node: string;
  event: CoreEvent;
}
