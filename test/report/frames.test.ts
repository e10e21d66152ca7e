// Matching each frame's receive to its send: per (sender, receiver) pair, first in first out,
// with drops, and with sends made before the link registered its peer.
import { describe, expect, it } from 'vitest';
import { matchFrames } from '../../src/report/frames.ts';
import { connClosed, connOpened, linkDown, linkUp, received, sent } from './events.ts';

const summary = (m: ReturnType<typeof matchFrames>) => m.frames.map((f) => `${f.from}>${f.to}@${f.sentAt}:${f.receivedAt ?? 'lost'}`);

describe('matchFrames', () => {
  it('pairs each receive with its send, within its own pair of servers only', () => {
    const m = matchFrames([
      sent(1, 2, 'a', 1), sent(1, 2, 'b', 2), sent(2, 1, 'c', 2.2), sent(3, 2, 'a', 3),
      received(2, 1, 'a', 1.4), received(1, 2, 'c', 2.5), received(2, 1, 'b', 2.3), received(2, 3, 'a', 3.6),
    ]);
    expect(summary(m)).toEqual(['1>2@1:1.4', '1>2@2:2.3', '2>1@2.2:2.5', '3>2@3:3.6']);
    expect(m).toMatchObject({ unaddressed: 0, unmatchedReceives: 0 });
  });

  it('identical frames match in order', () => {
    const m = matchFrames([sent(1, 2, 's', 1), sent(1, 2, 's', 2), received(2, 1, 's', 1.5), received(2, 1, 's', 2.5)]);
    expect(summary(m)).toEqual(['1>2@1:1.5', '1>2@2:2.5']);
  });

  it('a send that a later receive skips over was lost; its arrow ends where the link next went down', () => {
    const m = matchFrames([
      sent(1, 2, 'a', 1), sent(1, 2, 'b', 2), sent(1, 2, 'c', 3),
      received(2, 1, 'a', 1.5), received(2, 1, 'c', 3.5),
      linkDown(1, 2, 0.5), linkDown(2, 1, 5), linkDown(1, 2, 6),
    ]);
    expect(summary(m)).toEqual(['1>2@1:1.5', '1>2@2:lost', '1>2@3:3.5']);
    expect(m.frames[1]!.lostAt).toBe(5);
    expect(m.unmatchedReceives).toBe(0);
  });

  it('never matches backwards (FIFO): a receive whose only send was skipped over matches nothing', () => {
    const m = matchFrames([sent(1, 2, 'x', 1), sent(1, 2, 'y', 2), received(2, 1, 'y', 2.5), received(2, 1, 'x', 3)]);
    expect(summary(m)).toEqual(['1>2@1:lost', '1>2@2:2.5']);
    expect(m.frames[0]!.lostAt).toBeNull();
    expect(m.unmatchedReceives).toBe(1);
  });

  it('a receive stamped well before its send is no match', () => {
    const m = matchFrames([sent(1, 2, 'a', 10), received(2, 1, 'a', 5)]);
    expect(summary(m)).toEqual(['1>2@10:lost']);
    expect(m.unmatchedReceives).toBe(1);
  });

  it("sends before the link registered take their peer from the connection's link-up; otherwise they went nowhere known", () => {
    const m = matchFrames([
      // server 2 dials (conn 1) and registers before its bootstrap, 1, answers
      connOpened(2, 1, 0), sent(2, 0, 'reg', 1), received(1, 2, 'reg', 1.5), sent(1, 2, 'welcome', 1.6), linkUp(2, 1, 2), received(2, 1, 'welcome', 2),
      // server 2's second dial closes before anyone answers
      connOpened(2, 2, 3), sent(2, 0, 'reg', 3.1, 2), connClosed(2, 2, 4),
      // server 3 dials, dies unheard; restarted, it reuses conn 1 for a link that comes up
      connOpened(3, 1, 5), sent(3, 0, 'reg3', 5.1), connOpened(3, 1, 6), linkUp(3, 1, 7),
    ]);
    expect(summary(m)).toEqual(['2>1@1:1.5', '1>2@1.6:2']);
    expect(m).toMatchObject({ unaddressed: 2, unmatchedReceives: 0 });
  });

  it('a receive from a pair that sent nothing counts as unmatched', () => {
    const m = matchFrames([received(2, 1, 'a', 1), linkUp(2, 1, 0)]);
    expect(m.frames).toEqual([]);
    expect(m.unmatchedReceives).toBe(1);
  });
});
