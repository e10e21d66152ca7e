// The in-memory duplex on a VirtualClock: order, delivery on a later turn, back-pressure
// (writableLength, write() false, 'drain'), end / half-open / destroy / reset, the unread
// bound, and connecting ends.
import { describe, expect, it } from 'vitest';
import { type MemoryStream, memoryPair } from '../../src/faults/memory-stream.ts';
import { VirtualClock } from '../../src/util/virtual-clock.ts';

function record(clock: VirtualClock, s: MemoryStream, log: string[], name: string): void {
  s.on('data', (d: Buffer) => log.push(`${clock.now()} ${name} data ${d}`));
  s.on('end', () => log.push(`${clock.now()} ${name} end`));
  s.on('error', (e: NodeJS.ErrnoException) => log.push(`${clock.now()} ${name} error ${e.code}`));
  s.on('close', (hadError: boolean) => log.push(`${clock.now()} ${name} close${hadError ? ' (error)' : ''}`));
}

describe('memoryPair', () => {
  it('delivers in order, on a later turn, at the same virtual time', async () => {
    const clock = new VirtualClock(100);
    const [a, b] = memoryPair(clock);
    const log: string[] = [];
    record(clock, b, log, 'b');
    a.write(Buffer.from('one'));
    a.write('two');
    a.write(new Uint8Array([0x33]));
    expect(log).toEqual([]); // never synchronously
    expect(a.writableLength).toBe(7);
    await clock.runUntil(100);
    expect(log).toEqual(['100 b data one', '100 b data two', '100 b data 3']);
    expect(a.writableLength).toBe(0);
  });

  it('back-pressure: write() is false past the high-water mark, a paused reader backs the writer up, drain follows the read', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock, { highWaterMark: 10 });
    let got = 0;
    let drains = 0;
    a.on('drain', () => drains++);
    b.on('data', (d: Buffer) => (got += d.length));
    b.pause();
    expect(a.write(Buffer.alloc(6))).toBe(true);
    expect(a.write(Buffer.alloc(6))).toBe(false);
    await clock.runUntil(1000);
    expect([got, a.writableLength, drains]).toEqual([0, 12, 0]);
    b.resume();
    await clock.runUntil(1000);
    expect([got, a.writableLength, drains]).toEqual([12, 0, 1]);
  });

  it('reading starts with a data listener or resume(), as on a socket', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock);
    a.write('waits');
    await clock.runUntil(10);
    expect(a.writableLength).toBe(5);
    const log: string[] = [];
    record(clock, b, log, 'b');
    await clock.runUntil(20);
    expect(log).toEqual(['10 b data waits']);
  });

  it('end: the peer reads the bytes, then end, and ends back; both close', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock);
    const log: string[] = [];
    record(clock, a, log, 'a');
    record(clock, b, log, 'b');
    a.write('last');
    a.end();
    expect(a.write('too late')).toBe(false);
    await clock.runUntil(5);
    expect(log).toEqual(['0 b data last', '0 b end', '0 a end', '0 b close', '0 a close']);
  });

  it('allowHalfOpen: the peer keeps writing after it read the end', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock, {}, { allowHalfOpen: true });
    const log: string[] = [];
    record(clock, a, log, 'a');
    record(clock, b, log, 'b');
    a.end();
    await clock.runUntil(5);
    expect(log).toEqual(['0 b end']);
    b.write('still here');
    await clock.runUntil(6);
    b.end();
    await clock.runUntil(7);
    expect(log).toEqual(['0 b end', '5 a data still here', '6 a end', '6 b close', '6 a close']);
  });

  it('destroy: what was written still arrives, then the end; the writer drops what it had not read', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock);
    const log: string[] = [];
    record(clock, a, log, 'a');
    record(clock, b, log, 'b');
    b.write('unread by a');
    a.write('in flight');
    a.destroy();
    expect(a.destroyed).toBe(true);
    await clock.runUntil(5);
    expect(log).toEqual(['0 b data in flight', '0 b end', '0 a close', '0 b close']);
  });

  it('resetAndDestroy: the peer reads ECONNRESET and loses what it had not read', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock);
    const log: string[] = [];
    record(clock, a, log, 'a');
    b.pause();
    record(clock, b, log, 'b');
    a.write('lost');
    a.resetAndDestroy();
    await clock.runUntil(5);
    expect(log).toEqual(['0 b error ECONNRESET', '0 a close', '0 b close (error)']);
  });

  it('a writer that ignores back-pressure past the bound is reset, naming the stream', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock, { name: 'flooder', maxBufferedBytes: 100 });
    const log: string[] = [];
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.message));
    record(clock, b, log, 'b');
    b.pause();
    for (let i = 0; i < 10 && !a.destroyed; i++) a.write(Buffer.alloc(30));
    await clock.runUntil(5);
    expect(errors).toEqual(['flooder: more than 100 bytes unread by the peer (the writer ignored back-pressure)']);
    expect(log).toEqual(['0 b error ECONNRESET', '0 b close (error)']);
  });

  it('a connecting end waits for accept() (bytes flow from then), or refuse() (error, close)', async () => {
    const clock = new VirtualClock();
    const [a, b] = memoryPair(clock, { connecting: true });
    const log: string[] = [];
    record(clock, b, log, 'b');
    a.on('connect', () => log.push(`${clock.now()} a connect`));
    a.write('early');
    await clock.runUntil(10);
    expect(log).toEqual([]);
    a.accept();
    await clock.runUntil(11);
    expect(log).toEqual(['10 a connect', '10 b data early']);

    const [c] = memoryPair(clock, { name: 'dialler', connecting: true });
    record(clock, c, log, 'c');
    c.refuse();
    await clock.runUntil(12);
    expect(log.slice(2)).toEqual(['11 c error ECONNREFUSED', '11 c close (error)']);
  });
});
