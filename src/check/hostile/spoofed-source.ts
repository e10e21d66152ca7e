// A registered client speaking for others: chats, quits and statuses with another client's id,
// and registrations for id 0. A server must not believe them (PROTOCOL.md: spoofed sources).
import { MessageType, encode } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, dialRaw, poke, pokeSummary, sleep } from './peer.ts';

export const spoofedSource: HostileAttack = {
  id: 'spoofed-source', title: "a client sending chats, quits and statuses under another client's id", checkMs: 4000, checkScale: 1,
  async run({ port, target, scale }) {
    const n = scaled(5, scale);
    // The victim: a client whose id the spoofer uses; it counts chats that claim to come from itself.
    const victimId = 903_000;
    const victim = await dialRaw(port);
    let selfChats = 0;
    victim.on('data', (c: Buffer) => { if (c.includes(Buffer.from('spoofed'))) selfChats++; });
    victim.write(clientRegistration(victimId));
    await sleep(100);
    const frames = (i: number) => [
      clientRegistration(903_100 + i),
      encode({ type: MessageType.ClientChat, sourceId: victimId, destinationId: victimId, content: 'spoofed chat' }),
      encode({ type: MessageType.ClientQuit, sourceId: victimId, content: 'spoofed quit' }),
      encode({ type: MessageType.Status, sourceId: victimId, destinationId: 0, statusCode: 0, content: 'spoofed status' }),
      encode({ type: MessageType.ClientRegistration, sourceId: 0, lastHopId: 0, name: 'zero', info: '' }),
    ];
    const pokes = await Promise.all(Array.from({ length: n }, (_, i) => poke(port, frames(i), 800)));
    const victimOpen = !victim.destroyed;
    victim.destroy();
    return {
      attack: 'spoofed sources', target, did: `${n} clients each sending a chat, a quit and a status as client ${victimId}, and a registration for id 0`,
      connections: n + 1, cut: pokes.filter((p) => p.closedAfterMs !== undefined).length, cutAfterMs: null, open: 0,
      notes: [pokeSummary('spoofers', pokes), `spoofed chats delivered to the victim: ${selfChats}`, `victim still connected: ${victimOpen ? 'yes' : 'no'}`],
    };
  },
};
