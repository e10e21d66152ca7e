// The frames and texts a server writes itself (the ones it relays go out as received).
import { MessageType, encode } from '../protocol/index.ts';
import type { HostRecord } from './host-table.ts';

export const duplicateServerText = (id: number) => `A machine has already registered with ID ${id}`;
export const duplicateClientText = (id: number) => `Someone has already registered with ID ${id}`;
export const welcomeText = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;
export const unknownIdText = (id: number) => `Unknown ID ${id}`;
export const hostLimitText = (id: number, max: number) => `Server full: cannot register ID ${id} (limit of ${max} hosts)`;

export function statusFrame(sourceId: number, destinationId: number, statusCode: number, content: string): Buffer {
  return encode({ type: MessageType.Status, sourceId, destinationId, statusCode, content });
}

/** A known host's registration as this server relays or seeds it (last hop = this server). */
export function registrationFrame(h: HostRecord, lastHopId: number): Buffer {
  const type = h.kind === 'server' ? MessageType.ServerRegistration : MessageType.ClientRegistration;
  return encode({ type, sourceId: h.id, lastHopId, name: h.name, info: h.info });
}

/** What a netsplit announces for one lost host: a client quit, or a server quit naming the split. */
export function departureFrame(h: HostRecord, splitText: string): Buffer {
  return h.kind === 'client'
    ? encode({ type: MessageType.ClientQuit, sourceId: h.id, content: '' })
    : encode({ type: MessageType.ServerQuit, sourceId: h.id, replacementId: 0, content: splitText });
}
