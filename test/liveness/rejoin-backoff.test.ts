// A server re-joining its bootstrap backs off while its tries do not register (25 ms doubling
// to 500 ms), and starts from 25 ms again after every join that worked: repeated partitions do
// not each recover more slowly than the last.
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from '../../src/faults/proxy.ts';
import type { CrcServerNode } from '../../src/net/server-node.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const linked = (a: CrcServerNode, b: CrcServerNode) => a.core.adjacentServerIds().includes(b.id) && b.core.adjacentServerIds().includes(a.id);
const delays = (lines: string[]) => lines.flatMap((l) => /re-joining \S+ in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);

describe('the re-join backoff', () => {
  it('grows during each of 4 partitions and starts again from 25 ms after each successful re-join', async () => {
    const { node: s1 } = await cleanup.server({ id: 1 });
    const proxy = new LinkProxy({ name: 's2-s1', target: { host: '127.0.0.1', port: s1.port } });
    cleanup.add(() => proxy.stop());
    await proxy.start();
    const { node: s2, logs } = await cleanup.server({ id: 2, reconnect: true, connectTo: { host: '127.0.0.1', port: proxy.port } });
    await waitFor(() => linked(s1, s2), 3000, 's1 and s2 linked');

    const perPartition: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const from = logs.length;
      proxy.down('both', 'close');
      // Refused tries (the proxy accepts, then closes) back the re-dial off: wait for three.
      await waitFor(() => delays(logs.slice(from)).length >= 3, 5000, `three refused re-joins in partition ${i + 1}`);
      proxy.up();
      await waitFor(() => linked(s1, s2), 5000, `s2 back after partition ${i + 1}`);
      perPartition.push(delays(logs.slice(from)));
    }
    console.info(`re-join delays per partition (ms): ${perPartition.map((d) => d.join(' ')).join(' | ')}`);
    for (const d of perPartition) expect(d.slice(0, 3)).toEqual([25, 50, 100]);
  });
});
