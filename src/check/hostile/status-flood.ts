// A registered client sends statuses for the server's log: 200-byte texts, 20,000 a second
// (400,000 at most at full scale).
import { performance } from 'node:perf_hooks';
import { MessageType, encode } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, dialRaw, sleep, writeHonouringDrain } from './peer.ts';

export const statusFlood: HostileAttack = {
  id: 'status-flood', title: "a client flooding the server's status log (200-byte statuses at 20,000/s)", checkMs: 5000, checkScale: 0.25,
  async run({ port, target, until, scale }) {
    const s = await dialRaw(port);
    s.resume();
    s.write(clientRegistration(900_001));
    const frame = encode({ type: MessageType.Status, sourceId: 900_001, destinationId: 0, statusCode: 0, content: 's'.repeat(200) });
    const batch = Buffer.concat(Array.from({ length: 200 }, () => frame));
    const most = scaled(400_000, scale);
    let sent = 0;
    while (sent < most && performance.now() < until && !s.destroyed) {
      await writeHonouringDrain(s, batch, until);
      sent += 200;
      await sleep(10);
    }
    const open = s.destroyed ? 0 : 1;
    s.destroy();
    return {
      attack: 'status flood', target, did: `one client sending ${sent.toLocaleString('en-US')} statuses (200 B) to the server's log at 20,000/s`,
      connections: 1, cut: 1 - open, cutAfterMs: null, open, notes: [],
    };
  },
};
