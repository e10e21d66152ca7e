// Connections opened at 1,000 a second (3,000 at full scale) that never send a byte.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type HostileAttack, scaled, spread } from './attack.ts';
import { closedAt, dialRaw, sleep } from './peer.ts';

export const connectionStorm: HostileAttack = {
  id: 'connection-storm', title: 'connections opened at 1,000/s that never send a byte', checkMs: 6000, checkScale: 0.2,
  async run({ port, target, until, scale }) {
    const most = scaled(3000, scale);
    const sockets: Array<{ s: net.Socket; at: number; closed?: number }> = [];
    let failed = 0;
    while (sockets.length + failed < most && performance.now() < until) {
      await Promise.all(Array.from({ length: 50 }, async () => {
        try {
          const s = await dialRaw(port);
          s.resume();
          const entry: { s: net.Socket; at: number; closed?: number } = { s, at: performance.now() };
          void closedAt(s).then((t) => { entry.closed = t; });
          sockets.push(entry);
        } catch {
          failed++;
        }
      }));
      await sleep(50);
    }
    while (sockets.some((e) => e.closed === undefined) && performance.now() < until) await sleep(100);
    const cut = sockets.filter((e) => e.closed !== undefined);
    for (const e of sockets) e.s.destroy();
    return {
      attack: 'connection storm', target, did: `${sockets.length.toLocaleString('en-US')} connections opened at 1,000/s, never sending a byte`,
      connections: sockets.length, cut: cut.length, cutAfterMs: spread(cut.map((e) => e.closed! - e.at)),
      open: sockets.length - cut.length, notes: failed ? [`${failed} connections could not be opened`] : [],
    };
  },
};
