// Many registrations for ids already taken: a client id over and over, the server's own id, and
// a server registration reusing a client's id. Each must be refused (status 0x02), none believed.
import { MessageType, encode } from '../../protocol/index.ts';
import { type HostileAttack, scaled } from './attack.ts';
import { clientRegistration, dialRaw, poke, pokeSummary, sleep } from './peer.ts';

export const duplicateId: HostileAttack = {
  id: 'duplicate-id', title: 'registrations for ids already taken, over and over', checkMs: 4000, checkScale: 1,
  async run({ port, target, scale }) {
    const n = scaled(50, scale);
    const owner = await dialRaw(port);
    owner.resume();
    owner.write(clientRegistration(904_000));
    await sleep(100);
    const again = await Promise.all(Array.from({ length: n }, () => poke(port, [clientRegistration(904_000)], 800)));
    const own = await poke(port, [encode({ type: MessageType.ServerRegistration, sourceId: target, lastHopId: 0, name: 'me-too', info: '' })], 800);
    const asServer = await poke(port, [encode({ type: MessageType.ServerRegistration, sourceId: 904_000, lastHopId: 0, name: 'clash', info: '' })], 800);
    owner.destroy();
    const answered = [...again, own, asServer].filter((p) => p.answered > 0).length;
    return {
      attack: 'duplicate ids', target, did: `${n} client registrations for one taken id, one server registration with the server's own id, one with a client's id`,
      connections: n + 3, cut: [...again, own, asServer].filter((p) => p.closedAfterMs !== undefined).length, cutAfterMs: null, open: 0,
      notes: [pokeSummary('same client id', again), `${answered} of ${n + 2} duplicates answered`],
    };
  },
};
