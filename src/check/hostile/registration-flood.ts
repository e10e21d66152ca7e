// Server 900000 relays client registrations at 10,000 a second (120,000 at full scale, past the
// 100,000-host limit), then leaves: a netsplit of all it brought.
import { performance } from 'node:perf_hooks';
import { HOST_LIMIT_STATUS } from '../../core/index.ts';
import { FrameDecoder, MessageType } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, dialRaw, serverRegistration, sleep, writeHonouringDrain } from './peer.ts';

export const registrationFlood: HostileAttack = {
  id: 'registration-flood', title: 'a server link relaying client registrations at 10,000/s, then leaving', checkMs: 8000, checkScale: 0.5,
  async run({ port, target, until, scale }) {
    const s = await dialRaw(port);
    let refused = 0;
    const dec = new FrameDecoder();
    s.on('data', (c: Buffer) => { for (const m of dec.feed(c).messages) if (m.type === MessageType.Status && m.statusCode === HOST_LIMIT_STATUS) refused++; });
    s.write(serverRegistration(900_000));
    let sent = 0;
    const total = scaled(120_000, scale);
    const leaveAt = Math.min(until, performance.now() + 30_000);
    while (sent < total && performance.now() < leaveAt && !s.destroyed) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 500 && sent < total; i++, sent++) batch.push(clientRegistration(50_000_000 + sent, 900_000));
      await writeHonouringDrain(s, Buffer.concat(batch), leaveAt);
      await sleep(50);
    }
    await sleep(Math.max(0, Math.min(5000, leaveAt - performance.now())));
    const open = s.destroyed ? 0 : 1;
    s.destroy();
    return {
      attack: 'registration flood', target, did: `one server link relaying ${sent.toLocaleString('en-US')} client registrations at 10,000/s, then leaving`,
      connections: 1, cut: 1 - open, cutAfterMs: null, open,
      notes: [`${refused.toLocaleString('en-US')} registrations answered "Server full"`],
    };
  },
};
