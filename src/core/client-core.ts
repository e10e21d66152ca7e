// Sans-I/O CRC client: one connection to its server, the state the course checks
// (connected user ids, status log, chat log), and the messages a user can send.
import { type Message, MessageType, StatusCode, encode } from '../protocol/index.ts';
import type { CoreEvent } from './effects.ts';

export interface ClientIdentity {
  id: number;
  name: string;
  info: string;
}

/** What the client does when the server refuses its registration. */
export interface ClientPolicy {
  /**
   * Close on a duplicate-id refusal, so a re-dialling driver tries again later. A client that
   * re-dials after a lost connection can reach the server before the server has seen the old
   * connection close (a late host): the id is still taken, and staying connected unregistered
   * would wait out the server's registration timeout. Off: stay, as a course client does.
   */
  closeOnDuplicate?: boolean;
}

/** Why a client closes when its registration is refused as a duplicate. */
export const DUPLICATE_REFUSED = 'registration refused: id still registered (the server has not yet seen the old connection close)';

/** A client has exactly one connection, so its effects need no connection id. */
export type ClientEffect =
  | { kind: 'send'; data: Buffer }
  | { kind: 'close'; reason: string }
  | { kind: 'event'; event: CoreEvent };

/** The client's one connection, as its driver (a TCP node, the sim) holds it. */
export interface ClientLink {
  send(data: Buffer): void;
  /** Close gracefully once what is queued has left. */
  end(reason: string): void;
}

/** Carry out a ClientCore's effects in order: sends and the close on `link` (none while unconnected), events to `emit`. */
export function applyClientEffects(effects: readonly ClientEffect[], link: ClientLink | undefined, emit: (event: CoreEvent) => void): void {
  for (const e of effects) {
    if (e.kind === 'send') link?.send(e.data);
    else if (e.kind === 'close') link?.end(e.reason);
    else emit(e.event);
  }
}

export class ClientCore {
  readonly id: number;
  readonly name: string;
  readonly info: string;
  private readonly users = new Set<number>();
  private readonly statusLog: string[] = [];
  private readonly chatLog: string[] = [];
  private state: 'idle' | 'open' | 'quit' = 'idle';
  private refused = false;

  constructor(identity: ClientIdentity, private readonly policy: ClientPolicy = {}) {
    if (!Number.isInteger(identity.id) || identity.id <= 0 || identity.id > 0xffff_ffff) {
      throw new RangeError(`client id must be an integer from 1 to 4294967295, got ${identity.id}`);
    }
    this.id = identity.id;
    this.name = identity.name;
    this.info = identity.info;
    this.registration(); // fail now if the name or info cannot be encoded
  }

  /**
   * The connection to the server is up: register. On a new connection after a lost one, the
   * clients known before are forgotten: the server tells again who is there now.
   */
  opened(): ClientEffect[] {
    this.state = 'open';
    this.refused = false;
    const forgotten = [...this.users].map((id) => event({ type: 'host-forgotten', id, kind: 'client', reason: 'disconnect' }));
    this.users.clear();
    return [...forgotten, { kind: 'send', data: this.registration() }];
  }

  received(msg: Message): ClientEffect[] {
    switch (msg.type) {
      case MessageType.Status:
        this.statusLog.push(msg.content);
        if (this.policy.closeOnDuplicate && msg.statusCode === StatusCode.DuplicateId && this.state === 'open') {
          this.refused = true;
          return [event({ type: 'status-logged', from: msg.sourceId, code: msg.statusCode, content: msg.content }), { kind: 'close', reason: DUPLICATE_REFUSED }];
        }
        return [event({ type: 'status-logged', from: msg.sourceId, code: msg.statusCode, content: msg.content })];
      case MessageType.ClientRegistration:
        if (msg.sourceId === this.id || this.users.has(msg.sourceId)) return [];
        this.users.add(msg.sourceId);
        return [event({ type: 'host-learned', id: msg.sourceId, kind: 'client', name: msg.name, firstLinkId: msg.lastHopId })];
      case MessageType.ClientChat:
        this.chatLog.push(msg.content);
        return [event({ type: 'chat-delivered', from: msg.sourceId, to: msg.destinationId, content: msg.content })];
      case MessageType.ClientQuit:
        if (!this.users.delete(msg.sourceId)) return [];
        return [event({ type: 'host-forgotten', id: msg.sourceId, kind: 'client', reason: 'quit' })];
      case MessageType.ServerRegistration:
      case MessageType.ServerQuit:
        // Servers are not a client's business; a well-behaved server never sends these here.
        return [event({ type: 'protocol-error', conn: 0, reason: `server sent a ${msg.type === MessageType.ServerQuit ? 'server quit' : 'server registration'} to a client` })];
    }
  }

  /** Build a chat to `destinationId`. */
  chat(destinationId: number, content: string): ClientEffect[] {
    if (this.state !== 'open') throw new Error(`client ${this.id} cannot chat: ${this.state === 'quit' ? 'it has quit' : 'not connected'}`);
    return [{ kind: 'send', data: encode({ type: MessageType.ClientChat, sourceId: this.id, destinationId, content }) }];
  }

  /** Say goodbye: send a quit, then close the connection. */
  quit(content = ''): ClientEffect[] {
    if (this.state !== 'open') return [];
    this.state = 'quit';
    return [
      { kind: 'send', data: encode({ type: MessageType.ClientQuit, sourceId: this.id, content }) },
      { kind: 'close', reason: 'quit' },
    ];
  }

  closed(): void {
    if (this.state === 'open') this.state = 'idle';
  }

  /** The last connection's registration was refused as a duplicate (closeOnDuplicate). */
  get registrationRefused(): boolean {
    return this.refused;
  }
  get connected(): boolean {
    return this.state === 'open';
  }
  get hasQuit(): boolean {
    return this.state === 'quit';
  }
  connectedUserIds(): number[] {
    return [...this.users];
  }
  knows(id: number): boolean {
    return this.users.has(id);
  }
  statusUpdates(): string[] {
    return [...this.statusLog];
  }
  chatMessages(): string[] {
    return [...this.chatLog];
  }

  private registration(): Buffer {
    return encode({ type: MessageType.ClientRegistration, sourceId: this.id, lastHopId: 0, name: this.name, info: this.info });
  }
}

function event(e: CoreEvent): ClientEffect {
  return { kind: 'event', event: e };
}
