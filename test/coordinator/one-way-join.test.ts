// A joining server's hosts are announced only once the link is proven both ways (issue 20):
// with the parent-to-joiner direction of a link silently down, the joiner re-dials again and
// again and its registration crosses each time (the other direction works). Before, the parent
// announced it at once, and the rest of the network learned and forgot the joiner's hosts on
// every re-dial; now the parent waits for the joiner's first pong, which never comes.
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { waitFor } from '../wait.ts';

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('a joiner whose link works one way only', () => {
  it('is not announced to the rest of the network on each re-dial (no learn/forget flapping)', async () => {
    // s1 - s2 - s3, a client on each (100001 on s1, 100002 on s2, 100003 on s3); s3 dials s2.
    const events: SimEvent[] = [];
    sim = await Simulation.start({ topology: resolveTopology('chain:3', { clients: 3 }), proxyLinks: 'all', onEvent: (e) => events.push(e) });
    await sim.converged({ timeoutMs: 20_000 });
    const joiner = [3, 100003];
    const mark = events.length;
    // s2 -> s3 silent: s3 hears nothing, declares the link dead, re-dials; each re-dial's
    // registration reaches s2, whose answers are dropped.
    await sim.link(3, 2).down('downstream', 'close', 'silent');
    const after = () => events.slice(mark);
    const dials = () => after().filter((e) => e.node === 3 && e.type === 'conn-opened' && (e as { outbound?: boolean }).outbound).length;
    // Three re-dials by s3 (each one's registration crossed to s2): wait for them, however long the machine takes.
    await waitFor(() => dials() >= 3, 30_000, 's3 to re-dial 3 times');
    const atS2 = after().filter((e) => e.node === 2 && e.type === 'host-learned' && joiner.includes((e as { id: number }).id));
    // The registrations did cross: s2 itself learned s3 again after the cut.
    expect(atS2.length, 'host-learned of s3 at s2').toBeGreaterThan(0);
    // s1 (the rest of the network) forgot s3 and its client once, and never learned them back.
    const atS1 = after().filter((e) => e.node === 1 && (e.type === 'host-learned' || e.type === 'host-forgotten') && joiner.includes((e as { id: number }).id));
    const learned = atS1.filter((e) => e.type === 'host-learned').length;
    const forgotten = atS1.filter((e) => e.type === 'host-forgotten').length;
    expect({ learned, forgotten }).toEqual({ learned: 0, forgotten: 2 });

    // Once the direction is back, the joiner is proven and announced: the tree converges.
    await sim.link(3, 2).up('downstream');
    await sim.converged({ timeoutMs: 30_000 });
  }, 90_000);
});
