// Deliberately wrong servers, to check the judge: each mutation breaks one rule of
// src/check/rules.ts by rewriting the effects ServerCore returns (never its code): a wrapper
// around its public methods, installed on the prototype only by preload.ts, which only the
// test-build entry (mutant-server.ts, or NODE_OPTIONS=--import of preload.js) loads. The real
// server never reads CRC_MUTANT and its hot path is unchanged.
import type { ConnId, Effect } from '../../core/effects.ts';
import { ServerCore } from '../../core/server-core.ts';
import { type Message, MessageType, StatusCode, encode } from '../../protocol/index.ts';
import type { RuleId } from '../rules.ts';

export interface Mutant {
  breaks: RuleId;
  does: string;
  install(): void;
}

type Method = 'opened' | 'received' | 'closed' | 'tick';
type Rewrite = (core: ServerCore, args: unknown[], effects: Effect[], before: BeforeCall) => Effect[];
interface BeforeCall {
  /** peerOf(conn) as it was before the call (closed() forgets it). */
  peer: { kind: 'server' | 'client'; id: number } | undefined;
}

const proto = ServerCore.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;

function rewrite(method: Method, fn: Rewrite): void {
  const original = proto[method]!;
  proto[method] = function (this: ServerCore, ...args: unknown[]) {
    const before: BeforeCall = { peer: typeof args[0] === 'number' ? this.peerOf(args[0]) : undefined };
    return fn(this, args, original.apply(this, args) as Effect[], before);
  };
}

/** Every chat takes received() (the decoded path), where its effects can be rewritten. */
function noChatFastPath(): void {
  proto.routeChat = () => undefined;
}

const isOutput = (e: Effect) => e.kind === 'send' || e.kind === 'stream';
const isStatus = (data: Buffer, code: number) => data[0] === MessageType.Status && data.length >= 15 && data.readUInt16BE(9) === code;
const msgOf = (args: unknown[]) => args[1] as Message;

/** Connections the core knows (its private table: this is a test build). */
const connsOf = (core: ServerCore) => [...(core as unknown as { conns: Map<ConnId, unknown> }).conns.keys()];

export const MUTANTS: Record<string, Mutant> = {
  'no-netsplit': {
    breaks: 'netsplit-propagated',
    does: 'forgets the hosts behind a lost server link but tells no one',
    install: () => rewrite('closed', (_c, _a, fx, { peer }) => (peer?.kind === 'server' ? fx.filter((e) => !isOutput(e)) : fx)),
  },
  'no-quit-relay': {
    breaks: 'quit-relayed',
    does: 'forgets a client that quits (or disconnects) but relays nothing',
    install: () => {
      // A heartbeat is a ClientQuit from id 0 (liveness.ts): its answer and a joiner's announce are not a quit's relay.
      rewrite('received', (_c, a, fx) => (msgOf(a).type === MessageType.ClientQuit && msgOf(a).sourceId !== 0 ? fx.filter((e) => !isOutput(e)) : fx));
      rewrite('closed', (_c, _a, fx, { peer }) => (peer?.kind === 'client' ? fx.filter((e) => !isOutput(e)) : fx));
    },
  },
  'chat-twice': {
    breaks: 'chat-once',
    does: 'forwards every chat twice',
    install: () => {
      noChatFastPath();
      rewrite('received', (_c, a, fx) => (msgOf(a).type === MessageType.ClientChat ? fx.flatMap((e): Effect[] => (e.kind === 'send' ? [e, e] : [e])) : fx));
    },
  },
  'chat-wrong-hop': {
    breaks: 'chat-next-hop',
    does: 'sends a chat on another connection than its next hop (back to the sender when there is no other)',
    install: () => {
      noChatFastPath();
      rewrite('received', (core, a, fx) => {
        if (msgOf(a).type !== MessageType.ClientChat) return fx;
        const from = a[0] as ConnId;
        return fx.map((e) => {
          if (e.kind !== 'send' || e.data[0] !== MessageType.ClientChat) return e;
          const wrong = connsOf(core).find((c) => c !== e.conn && c !== from) ?? from;
          return { ...e, conn: wrong };
        });
      });
    },
  },
  'no-registrations-to-clients': {
    breaks: 'registrations-to-clients',
    does: 'relays client registrations to servers only, never to its adjacent clients',
    install: () => rewrite('received', (core, a, fx) => {
      if (msgOf(a).type !== MessageType.ClientRegistration) return fx;
      const from = a[0] as ConnId;
      return fx.filter((e) => !(e.kind === 'send' && e.conn !== from && e.data[0] === MessageType.ClientRegistration && core.peerOf(e.conn)?.kind === 'client'));
    }),
  },
  'no-duplicate-status': {
    breaks: 'duplicate-id-status',
    does: 'ignores a registration with a known id without the 0x02 status',
    install: () => rewrite('received', (_c, _a, fx) => fx.filter((e) => !(e.kind === 'send' && isStatus(e.data, StatusCode.DuplicateId)))),
  },
  'wrong-welcome': {
    breaks: 'welcome-text',
    does: 'welcomes a client with "Welcome <name>"',
    install: () => rewrite('received', (core, a, fx) => {
      const m = msgOf(a);
      if (m.type !== MessageType.ClientRegistration) return fx;
      return fx.map((e) => (e.kind === 'send' && isStatus(e.data, StatusCode.Welcome)
        ? { ...e, data: encode({ type: MessageType.Status, sourceId: core.id, destinationId: 0, statusCode: StatusCode.Welcome, content: `Welcome ${m.name}` }) }
        : e));
    }),
  },
  mute: {
    breaks: 'answers',
    does: 'reads everything and sends nothing',
    install: () => {
      noChatFastPath();
      for (const m of ['opened', 'received', 'closed', 'tick'] as const) rewrite(m, (_c, _a, fx) => fx.filter((e) => !isOutput(e)));
    },
  },
};

export const MUTANT_NAMES = Object.keys(MUTANTS);
