// The worker side of the event stream: by default a batch waits POST_DELAY_MS after its first
// event (the coordinator sleeps while the burst crosses the network); with no delay a lone event
// is posted at the end of the turn that made it, a burst within the gap waits and goes as one
// batch; 512 waiting go at once. A fixed clock and a long gap: nothing here hangs on timing.
import { describe, expect, it, vi } from 'vitest';
import { EventBatcher, POST_DELAY_MS } from '../../src/coordinator/event-batcher.ts';
import { tick } from '../net/helpers.ts';

function setUp(minGapMs = 60_000) {
  const posts: Array<Record<string, Array<{ type: string; n: number }>>> = [];
  let now = 1000;
  const batcher = new EventBatcher<{ type: string; n: number }>({ postMessage: (m: unknown) => posts.push(m as never) }, 'all', 'events', { now: () => now, minGapMs, delayMs: 0 });
  return { posts, batcher, advance: (ms: number) => { now += ms; } };
}

describe('EventBatcher', () => {
  it('by default posts a batch POST_DELAY_MS after its first event, with what came meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // the turn's end stays real
    try {
      const posts: unknown[] = [];
      const batcher = new EventBatcher<{ type: string }>({ postMessage: (m: unknown) => posts.push(m) }, 'all');
      batcher.push({ type: 'host-forgotten' });
      await tick();
      batcher.push({ type: 'link-down' });
      expect(posts).toEqual([]); // not at the end of the turn
      vi.advanceTimersByTime(POST_DELAY_MS - 1);
      expect(posts).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(posts).toEqual([{ events: [{ type: 'host-forgotten' }, { type: 'link-down' }] }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('posts a lone event at the end of its turn, not on a timer', async () => {
    const { posts, batcher } = setUp();
    batcher.push({ type: 'host-forgotten', n: 1 });
    expect(posts).toEqual([]); // not inside the turn that made it
    await tick();
    expect(posts).toEqual([{ events: [{ type: 'host-forgotten', n: 1 }] }]);
  });

  it('batches what comes within the gap after a post, and posts at once again after it', async () => {
    const { posts, batcher, advance } = setUp();
    batcher.push({ type: 'a', n: 1 });
    await tick();
    batcher.push({ type: 'b', n: 2 });
    batcher.push({ type: 'c', n: 3 });
    await tick();
    expect(posts).toHaveLength(1); // within the gap: waiting for its timer
    batcher.flush(); // (what the timer does at the gap's end)
    expect(posts[1]).toEqual({ events: [{ type: 'b', n: 2 }, { type: 'c', n: 3 }] });
    advance(60_000);
    batcher.push({ type: 'd', n: 4 });
    await tick();
    expect(posts[2]).toEqual({ events: [{ type: 'd', n: 4 }] });
  });

  it('posts 512 waiting at once, and only the wanted types', async () => {
    const posts: unknown[] = [];
    const batcher = new EventBatcher<{ type: string }>({ postMessage: (m: unknown) => posts.push(m) }, ['keep'], 'proxyEvents');
    for (let i = 0; i < 512; i++) {
      batcher.push({ type: 'keep' });
      batcher.push({ type: 'drop' });
    }
    expect(posts).toHaveLength(1);
    expect((posts[0] as { proxyEvents: unknown[] }).proxyEvents).toHaveLength(512);
    await tick();
    expect(posts).toHaveLength(1); // the turn's end finds nothing more
  });

  it('CRC_EVENT_POST_DELAY_MS sets the default delay (0: at the end of the turn); a bad value names it', async () => {
    const posts: unknown[] = [];
    try {
      process.env.CRC_EVENT_POST_DELAY_MS = '0';
      const batcher = new EventBatcher<{ type: string }>({ postMessage: (m: unknown) => posts.push(m) }, 'all');
      batcher.push({ type: 'host-forgotten' });
      await tick();
      expect(posts).toEqual([{ events: [{ type: 'host-forgotten' }] }]);
      process.env.CRC_EVENT_POST_DELAY_MS = 'soon';
      expect(() => new EventBatcher({ postMessage: () => {} }, 'all')).toThrow(/CRC_EVENT_POST_DELAY_MS: expected a whole number of ms/);
    } finally {
      delete process.env.CRC_EVENT_POST_DELAY_MS;
    }
  });
});
