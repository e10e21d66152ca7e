// The traffic chat text: what trafficText builds, parseTrafficText reads back (tag, sequence
// number, send time), for any tag, including tags with digits; other chats are not traffic.
import { describe, expect, it } from 'vitest';
import { parseTrafficText, trafficText } from '../../src/coordinator/traffic-text.ts';

describe('traffic text', () => {
  it.each([
    ['f0-', 0, 1234.5, 64],
    ['f12-', 7, 99.125, 64],
    ['f3-', 123_456, 0.001, 16],
    ['a1b2-', 42, 1e6, 200],
    ['', 5, 10, 32],
  ] as const)('tag %j, seq %d round-trips', (tag, seq, sentAt, size) => {
    const text = trafficText(tag, seq, sentAt, size);
    expect(text.length).toBeGreaterThanOrEqual(size);
    expect(parseTrafficText(text)).toEqual({ tag, seq, sentAt: Number(sentAt.toFixed(3)) });
  });

  it('pads to the size asked for with x, and never cuts the head', () => {
    expect(trafficText('f1-', 2, 3, 20)).toBe('f1-2 3.000 xxxxxxxxx');
    expect(trafficText('f1-', 2, 3, 4)).toBe('f1-2 3.000 ');
  });

  it('a tag with digits keeps them: f12-3 is flow f12-, chat 3, not f1- chat 23', () => {
    expect(parseTrafficText(trafficText('f12-', 3, 5, 0))).toMatchObject({ tag: 'f12-', seq: 3 });
    expect(parseTrafficText(trafficText('f1-', 23, 5, 0))).toMatchObject({ tag: 'f1-', seq: 23 });
  });

  it.each(['hello', '', 'f0-12 3 ', 'f0-12 3.5', ' f0-1 2.000 ', '12x 3.000 ', 'f0-1\t2.000 ', 'f0- 12 3.500 '])('%j is not traffic', (text) => {
    expect(parseTrafficText(text)).toBeUndefined();
  });
});
