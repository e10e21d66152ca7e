// Registered clients each send a chat header promising 64 KiB, and unregistered connections a
// registration header promising a 60,000-byte info (100 of each at full scale); then every one
// drips a byte a second.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type AttackResult, type HostileAttack, scaled, spread } from './attack.ts';
import { clientRegistration, closedAt, dialRaw, promisingHeader, sleep } from './peer.ts';

export const slowDrip: HostileAttack = {
  id: 'slow-drip', title: 'frames dripped at 1 B/s by registered and unregistered peers', checkMs: 6000, checkScale: 0.1,
  async run({ port, target, until, scale }) {
    const each = scaled(100, scale);
    const drippers = await Promise.all(Array.from({ length: 2 * each }, async (_, i) => {
      const registered = i < each;
      const s = await dialRaw(port);
      s.resume();
      if (registered) {
        s.write(clientRegistration(900_100 + i));
        await sleep(100); // the registration first, on its own
      }
      s.write(registered ? promisingHeader('chat', 900_100 + i, 64 * 1024) : promisingHeader('registration', 900_200 + i, 60_000));
      const entry: { s: net.Socket; at: number; closed?: number; registered: boolean } = { s, at: performance.now(), registered };
      void closedAt(s).then((t) => { entry.closed = t; });
      return entry;
    }));
    const one = Buffer.from('x');
    while (drippers.some((d) => d.closed === undefined) && performance.now() < until) {
      for (const d of drippers) if (d.closed === undefined) d.s.write(one);
      await sleep(Math.min(1000, Math.max(0, until - performance.now())));
    }
    for (const d of drippers) d.s.destroy();
    const cut = drippers.filter((d) => d.closed !== undefined);
    const after = (registered: boolean) => spread(cut.filter((d) => d.registered === registered).map((d) => d.closed! - d.at));
    const fmt = (x: AttackResult['cutAfterMs']) => (x ? `${(x.min / 1000).toFixed(1)}-${(x.max / 1000).toFixed(1)} s` : 'not within the attack');
    return {
      attack: 'drip', target, did: `${drippers.length} connections dripping a frame at 1 B/s: ${each} registered (a 64 KiB chat), ${each} not (a 60,000-byte registration)`,
      connections: drippers.length, cut: cut.length, cutAfterMs: spread(cut.map((d) => d.closed! - d.at)),
      open: drippers.length - cut.length,
      notes: [`registered: cut after ${fmt(after(true))}`, `unregistered: cut after ${fmt(after(false))}`],
    };
  },
};
