// What ServerCore's rule modules share: one server's host table, its peers by connection, the
// links it dialled, the joiners it holds back (join-proof.ts), its liveness, its status log and its outbox. ServerCore owns these objects
// and hands the same ones to registration.ts, routing.ts and departures.ts, so every rule reads
// and changes one state; none of it is visible outside src/core.
import { MessageType, type RegistrationMessage } from '../protocol/index.ts';
import type { ChatRoutes } from './chat-routes.ts';
import type { ConnId } from './effects.ts';
import type { HostTable } from './host-table.ts';
import type { JoinProof } from './join-proof.ts';
import type { Liveness } from './liveness.ts';
import type { Outbox } from './outbox.ts';
import type { ResolvedServerOptions, RuleCounters } from './server-options.ts';
import type { StatusRing } from './status-log.ts';
import type { Peer } from './trust-policy.ts';

export interface CoreState {
  readonly id: number;
  readonly name: string;
  readonly info: string;
  readonly options: ResolvedServerOptions;
  readonly counters: RuleCounters;
  readonly liveness: Liveness;
  /** Every other host this server knows, in the order it learned them. */
  readonly hosts: HostTable;
  readonly conns: Map<ConnId, Peer>;
  /** The chat hot path's recent routes (routing.ts). */
  readonly chatRoutes: ChatRoutes;
  readonly statusLog: StatusRing;
  /** Outbound links whose peer has not announced itself yet (ServerCore's `dialling`). */
  readonly dialling: Set<ConnId>;
  readonly out: Outbox;
  /** Joiners not announced to the rest of the network until their link is proven both ways (join-proof.ts). */
  readonly proof: JoinProof;
  /** Set while the host table is full, so the limit is reported once per episode. */
  tableFull: boolean;
}

export function ownRegistration(s: CoreState, lastHopId: number): RegistrationMessage {
  return { type: MessageType.ServerRegistration, sourceId: s.id, lastHopId, name: s.name, info: s.info };
}

export function reject(s: CoreState, conn: ConnId, reason: string): void {
  s.out.event({ type: 'protocol-error', conn, reason });
}
