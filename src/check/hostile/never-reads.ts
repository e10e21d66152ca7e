// Registered clients that read nothing, each fed 60 KB chats at 8 MiB/s (64 MiB at most) by an
// accomplice (10 pairs at full scale); a staller's cut shows as "Unknown ID" answers to its feeder.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { FrameDecoder, MessageType, encode } from '../../protocol/index.ts';
import { type HostileAttack, scaled, spread } from './attack.ts';
import { clientRegistration, dialRaw, sleep, writeHonouringDrain } from './peer.ts';

export const neverReads: HostileAttack = {
  id: 'never-reads', title: 'clients that never read, fed chats at 8 MiB/s by accomplices', checkMs: 8000, checkScale: 0.1,
  async run({ port, target, until, scale }) {
    const pairs = await Promise.all(Array.from({ length: scaled(10, scale) }, async (_, i) => {
      const stallerId = 900_300 + i;
      const feederId = 900_400 + i;
      const staller = await dialRaw(port);
      staller.write(clientRegistration(stallerId));
      staller.pause(); // reads nothing, ever
      const feeder = await dialRaw(port);
      feeder.write(clientRegistration(feederId));
      const entry: { staller: net.Socket; feeder: net.Socket; started: number; gone?: number; sent: number } = { staller, feeder, started: 0, sent: 0 };
      const dec = new FrameDecoder();
      feeder.on('data', (c: Buffer) => {
        for (const m of dec.feed(c).messages) {
          if (m.type === MessageType.Status && m.content === `Unknown ID ${stallerId}` && entry.gone === undefined) entry.gone = performance.now();
        }
      });
      await sleep(200);
      const chat = encode({ type: MessageType.ClientChat, sourceId: feederId, destinationId: stallerId, content: 'z'.repeat(60_000) });
      entry.started = performance.now();
      void (async () => {
        while (entry.gone === undefined && entry.sent < 64 * 2 ** 20 && performance.now() < until && !feeder.destroyed) {
          await writeHonouringDrain(feeder, chat, until);
          entry.sent += chat.length;
          const ahead = (entry.sent / (8 * 2 ** 20)) * 1000 - (performance.now() - entry.started);
          if (ahead > 1) await sleep(ahead);
        }
      })();
      return entry;
    }));
    while (pairs.some((p) => p.gone === undefined) && performance.now() < until) await sleep(100);
    for (const p of pairs) {
      p.staller.destroy();
      p.feeder.destroy();
    }
    const cut = pairs.filter((p) => p.gone !== undefined);
    const fed = pairs.reduce((a, p) => a + p.sent, 0);
    return {
      attack: 'stall', target, did: `${pairs.length} clients reading nothing, each fed 60 KB chats at 8 MiB/s by another client`,
      connections: pairs.length, cut: cut.length, cutAfterMs: spread(cut.map((p) => p.gone! - p.started)), open: pairs.length - cut.length,
      notes: [`feeders sent ${(fed / 2 ** 20).toFixed(0)} MiB in all (held back by TCP, not cut); cut times count from the first chat`],
    };
  },
};
