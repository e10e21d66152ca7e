// Links keeps a link's fault state as the proxy reports it after each change, never a copy it
// keeps up by hand: a fault made on the proxy by its own API (here crc-proxy's HTTP API, as an
// operator of an external placement could) shows in Links after the next control call, and
// what Links holds always equals the proxy's own snapshot.
import { afterEach, describe, expect, it } from 'vitest';
import { parseToxicSpec } from '../../src/faults/registry.ts';
import { Links } from '../../src/coordinator/links.ts';
import type { ProxyEvent } from '../../src/faults/events.ts';
import { HttpProxyControl, ProxyLinks } from '../../src/placement/proxy-control.ts';
import { startApi, type Api } from '../proxy-server/helpers.ts';

let api: Api | undefined;
let links: ProxyLinks | undefined;
afterEach(async () => {
  await links?.stop();
  await api?.server.close();
  links = api = undefined;
});

async function proxiedLink(): Promise<{ links: Links; control: HttpProxyControl }> {
  api = await startApi();
  const control = new HttpProxyControl(api.url);
  const world = { links: (onEvents: (events: ProxyEvent[]) => void) => (links = new ProxyLinks(() => ({ control, listen: '127.0.0.1:0' }), onEvents)) };
  const l = new Links(world, { proxyLinks: 'all' });
  // Nothing dials the link here: its target need not listen.
  await l.addServerLink(2, 1, { host: '127.0.0.1', port: 9 });
  return { links: l, control };
}

describe('link fault state in one place', () => {
  it('a toxic and a down made on the proxy by its own API show in Links after the next control call', async () => {
    const { links: l, control } = await proxiedLink();
    const link = l.control(2, 1);
    const ours = await link.add(parseToxicSpec({ type: 'latency', ms: 20 }));
    // Someone else, on the proxy's own API.
    await control.addSpec('link-2-1', { type: 'slicer', name: 'theirs', average_size: 8 });
    await control.crc('link-2-1', 'down', { direction: 'downstream', how: 'close', mode: 'silent' });
    await link.hold('upstream');
    expect(link.faults()).toEqual({
      cut: undefined,
      upstream: { down: undefined, held: true },
      downstream: { down: 'silent', held: false },
      toxics: [ours, 'theirs'],
    });
    expect(link.faults()).toEqual(linkView(await control.faults('link-2-1')));
  });

  it('an update is merged with the snapshot and validated here, once: a bad one names the link, toxic and attribute', async () => {
    const { links: l, control } = await proxiedLink();
    const link = l.control(2, 1);
    const name = await link.add(parseToxicSpec({ type: 'latency', ms: 20, direction: 'upstream' }));
    await expect(link.update(name, { ms: -1 })).rejects.toThrow(/^link 2-1, toxic "latency_upstream": invalid latency toxic: attribute "ms"/);
    await expect(link.update(name, { direction: 'both' })).rejects.toThrow(/^link 2-1, toxic "latency_upstream": direction cannot be updated/);
    await expect(link.update('nope', { ms: 1 })).rejects.toThrow(/^link 2-1: update nope: no toxic named "nope" \(has: latency_upstream\)/);
    // The good one reaches the proxy whole, the other attributes kept.
    expect(await link.update(name, { jitter: 4 })).toEqual({ name, type: 'latency', direction: 'upstream', toxicity: 1, attributes: { ms: 20, jitter: 4, distribution: 'uniform' } });
    expect((await control.toxics('link-2-1'))[0]!.attributes).toEqual({ ms: 20, jitter: 4, distribution: 'uniform' });
  });

  it('after every control call what Links holds is the proxy snapshot', async () => {
    const { links: l, control } = await proxiedLink();
    const link = l.control(2, 1);
    const name = await link.add(parseToxicSpec({ type: 'latency', ms: 20, direction: 'upstream' }));
    await link.update(name, { ms: 35 });
    await link.down('upstream', 'reset', 'cut');
    // A second cut, closing: the proxy still refuses the way the first cut direction says.
    await link.down('downstream', 'close', 'cut');
    await link.hold('both');
    await link.release('downstream');
    await link.up('downstream', 'silent'); // not down silent that way: nothing changes
    expect(link.faults()).toEqual({ cut: 'reset', upstream: { down: 'cut', held: true }, downstream: { down: 'cut', held: false }, toxics: [name] });
    expect(link.faults()).toEqual(linkView(await control.faults('link-2-1')));
    await link.remove(name);
    await link.up();
    expect(link.faults()).toEqual(linkView(await control.faults('link-2-1')));
    expect(link.faults().toxics).toEqual([]);
  });
});

/** The proxy's snapshot, read the way Links' view reads it. */
function linkView(s: Awaited<ReturnType<HttpProxyControl['faults']>>) {
  const cutAt = (['upstream', 'downstream'] as const).find((d) => s.down[d]?.mode === 'cut');
  const dir = (d: 'upstream' | 'downstream') => ({ down: s.down[d]?.mode, held: s.held.includes(d) });
  return { cut: cutAt && s.down[cutAt]!.how, upstream: dir('upstream'), downstream: dir('downstream'), toxics: s.toxics.map((t) => t.name) };
}
