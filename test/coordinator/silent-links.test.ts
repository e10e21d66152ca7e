// When the model may expect a silent link to be found: only once the detection bound has
// passed since it went silent, never if it comes back first, never without liveness.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SilentLinks } from '../../src/coordinator/silent-links.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('SilentLinks', () => {
  it('counts a silent link as found only after the bound, once, and forgets it when it comes back', () => {
    vi.useFakeTimers();
    const found = vi.fn();
    const links = new SilentLinks(1250, found);
    links.silent('2-4');
    vi.advanceTimersByTime(1249);
    expect(links.isFound('2-4')).toBe(false);
    links.silent('2-4'); // still silent: the clock is not restarted
    vi.advanceTimersByTime(1);
    expect(links.isFound('2-4')).toBe(true);
    expect(found).toHaveBeenCalledTimes(1);
    links.clear('2-4');
    expect(links.isFound('2-4')).toBe(false);

    links.silent('1-3');
    vi.advanceTimersByTime(1000);
    links.clear('1-3'); // up before it could be found
    vi.advanceTimersByTime(5000);
    expect(links.isFound('1-3')).toBe(false);
    expect(found).toHaveBeenCalledTimes(1);
  });

  it('without liveness a silent link is never found; stop() cancels what is pending', () => {
    vi.useFakeTimers();
    const found = vi.fn();
    new SilentLinks(undefined, found).silent('2-4');
    const stopped = new SilentLinks(100, found);
    stopped.silent('5-6');
    stopped.stop();
    vi.advanceTimersByTime(10_000);
    expect(found).not.toHaveBeenCalled();
  });
});
