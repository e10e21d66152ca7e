// Strings that are not UTF-8 (PROTOCOL.md: every string is UTF-8): in a registration's name and
// info, in a status, and in chats between two hostile clients.
import { MessageType } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, dialRaw, poke, pokeSummary, sleep } from './peer.ts';

const BAD = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]);

function rawRegistration(id: number, name: Buffer, info: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = MessageType.ClientRegistration;
  h.writeUInt32BE(id, 1);
  h[9] = name.length;
  h.writeUInt16BE(info.length, 10);
  return Buffer.concat([h, name, info]);
}

function rawChat(src: number, dest: number, text: Buffer): Buffer {
  const h = Buffer.alloc(13);
  h[0] = MessageType.ClientChat;
  h.writeUInt32BE(src, 1);
  h.writeUInt32BE(dest, 5);
  h.writeUInt32BE(text.length, 9);
  return Buffer.concat([h, text]);
}

export const invalidUtf8: HostileAttack = {
  id: 'invalid-utf8', title: 'names, infos, statuses and chats that are not UTF-8', checkMs: 4000, checkScale: 1,
  async run({ port, target, scale }) {
    const n = scaled(5, scale);
    const names = await Promise.all(Array.from({ length: n }, (_, i) => poke(port, [rawRegistration(902_000 + i, BAD, Buffer.from('ok'))], 1000)));
    const infos = await Promise.all(Array.from({ length: n }, (_, i) => poke(port, [rawRegistration(902_100 + i, Buffer.from('ok'), BAD)], 1000)));
    // Two hostile clients: one sends the other chats whose text is not UTF-8.
    const receiver = await dialRaw(port);
    let delivered = 0;
    receiver.on('data', (c: Buffer) => { delivered += c.includes(BAD) ? 1 : 0; });
    receiver.write(clientRegistration(902_201));
    await sleep(100);
    const chats = await poke(port, [clientRegistration(902_200), ...Array.from({ length: 20 * n }, () => rawChat(902_200, 902_201, BAD))], 1000);
    receiver.destroy();
    return {
      attack: 'invalid UTF-8', target, did: `${2 * n} registrations with a name or info that is not UTF-8; one client sending ${20 * n} such chats to another`,
      connections: 2 * n + 2, cut: [...names, ...infos, chats].filter((p) => p.closedAfterMs !== undefined).length, cutAfterMs: null, open: 0,
      notes: [pokeSummary('bad name', names), pokeSummary('bad info', infos), `chats with bad text: ${delivered > 0 ? 'some delivered as they were (a client may choke on them)' : 'none delivered'}`],
    };
  },
};
