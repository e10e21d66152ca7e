// Headers whose lengths promise more than any limit (a 4 GiB chat, a 2 GiB status, a 64 KiB
// info), each followed by a MiB of filler: a server must refuse them, not buffer them.
import { performance } from 'node:perf_hooks';
import { MessageType } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, poke, pokeSummary } from './peer.ts';

function header(type: number, size: number, fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(size);
  b[0] = type;
  fill(b);
  return b;
}

const FILLER = Buffer.alloc(1 << 20, 0x41);

export const oversizeFrame: HostileAttack = {
  id: 'oversize-frame', title: 'length fields promising 64 KiB to 4 GiB, with a MiB of filler after each', checkMs: 5000, checkScale: 1,
  async run({ port, target, until, scale }) {
    const rounds = scaled(4, scale);
    const kinds: Array<[string, (i: number) => Buffer[]]> = [
      ['a chat of 4 GiB - 1 from a registered client', (i) => [clientRegistration(900_800 + i), header(MessageType.ClientChat, 13, (b) => { b.writeUInt32BE(900_800 + i, 1); b.writeUInt32BE(target, 5); b.writeUInt32BE(0xffff_ffff, 9); }), FILLER]],
      ['a status of 2 GiB', () => [header(MessageType.Status, 15, (b) => { b.writeUInt32BE(900_850, 1); b.writeUInt32BE(0x7fff_ffff, 11); }), FILLER]],
      ['a registration info of 65,535 B and a 255 B name', (i) => [header(MessageType.ClientRegistration, 12, (b) => { b.writeUInt32BE(900_860 + i, 1); b[9] = 255; b.writeUInt16BE(65_535, 10); }), FILLER]],
      ['a client quit of 4 GiB - 1', (i) => [clientRegistration(900_870 + i), header(MessageType.ClientQuit, 9, (b) => { b.writeUInt32BE(900_870 + i, 1); b.writeUInt32BE(0xffff_ffff, 5); }), FILLER]],
    ];
    const notes: string[] = [];
    let connections = 0;
    let cut = 0;
    for (const [what, frames] of kinds) {
      const pokes = await Promise.all(Array.from({ length: rounds }, (_, i) => poke(port, frames(i), Math.max(200, Math.min(2000, until - performance.now())))));
      connections += pokes.length;
      cut += pokes.filter((p) => p.closedAfterMs !== undefined).length;
      notes.push(pokeSummary(what, pokes));
    }
    return { attack: 'oversize frames', target, did: `${connections} connections, each announcing a frame past the limits and sending 1 MiB after it`, connections, cut, cutAfterMs: null, open: connections - cut, notes };
  },
};
