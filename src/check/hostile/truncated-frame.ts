// Frames cut short: half a registration or half a chat, then the connection closes (FIN) or
// stays silent until the attack ends (a frame that never completes).
import { performance } from 'node:perf_hooks';
import { MessageType, encode } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, dialRaw, poke, pokeSummary, sleep } from './peer.ts';

export const truncatedFrame: HostileAttack = {
  id: 'truncated-frame', title: 'frames cut off half way, then a FIN or silence', checkMs: 5000, checkScale: 0.5,
  async run({ port, target, until, scale }) {
    const n = scaled(40, scale);
    const halfRegistration = (i: number) => clientRegistration(901_000 + i, 0, 'truncated info').subarray(0, 15);
    const halfChat = (i: number) => encode({ type: MessageType.ClientChat, sourceId: 901_100 + i, destinationId: target, content: 'x'.repeat(100) }).subarray(0, 40);
    // Half a frame, then a FIN at once.
    const finned = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const s = await dialRaw(port);
      s.resume();
      s.end(i % 2 ? halfRegistration(i) : Buffer.concat([clientRegistration(901_100 + i), halfChat(i)]));
      await sleep(50);
      s.destroy();
    }));
    // Half a frame, then silence until the attack ends.
    const silent = await Promise.all(Array.from({ length: n }, (_, i) => poke(port, i % 2 ? [halfRegistration(n + i)] : [clientRegistration(901_200 + i), halfChat(200 + i)], Math.max(200, until - performance.now()))));
    const cut = silent.filter((p) => p.closedAfterMs !== undefined).length;
    return {
      attack: 'truncated frames', target, did: `${finned.length} connections sending half a frame then closing, ${silent.length} sending half a frame then silence`,
      connections: finned.length + silent.length, cut, cutAfterMs: null, open: silent.length - cut,
      notes: [pokeSummary('half a frame then silence', silent)],
    };
  },
};
