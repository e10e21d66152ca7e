// The write coalescer: one write per sink per turn or dispatch, order kept, nothing lost when a
// sink closes in the middle of a batch (unit level, then a FramedConnection on real sockets).
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FramedConnection } from '../../src/net/connection.ts';
import { DispatchScope, TurnCork, TurnScope, WriteBatch } from '../../src/net/write-coalescer.ts';
import { tick, waitFor } from './helpers.ts';

/** A sink that records every write it is handed. */
function recorder(scope: TurnScope | DispatchScope) {
  const writes: string[] = [];
  const batch = new WriteBatch(scope, (buf) => writes.push(buf.toString()));
  return { writes, batch, push: (s: string) => batch.push(Buffer.from(s)) };
}

describe('WriteBatch on a turn scope', () => {
  it('writes once per sink per turn, chunks in order, and again the next turn', async () => {
    const turn = new TurnScope();
    const a = recorder(turn);
    const b = recorder(turn);
    a.push('a1|');
    b.push('b1|');
    a.push('a2|');
    a.push('a3|');
    expect(a.writes).toEqual([]); // nothing before the turn ends
    await tick();
    expect(a.writes).toEqual(['a1|a2|a3|']);
    expect(b.writes).toEqual(['b1|']);
    a.push('a4|');
    await tick();
    expect(a.writes).toEqual(['a1|a2|a3|', 'a4|']);
    expect(b.writes).toEqual(['b1|']); // not written to: no empty write
  });

  it('a sink flushed early (closing) writes what it has at once; the turn neither loses nor repeats it', async () => {
    const turn = new TurnScope();
    const closing = recorder(turn);
    const other = recorder(turn);
    const dropped = recorder(turn);
    closing.push('x|');
    other.push('o1|');
    dropped.push('gone');
    closing.push('y|');
    closing.batch.flush(); // e.g. end(): write what is queued before the FIN
    dropped.batch.clear(); // e.g. destroy(): the socket is gone
    turn.forget(dropped.batch);
    other.push('o2|');
    expect(closing.writes).toEqual(['x|y|']);
    await tick();
    expect(closing.writes).toEqual(['x|y|']);
    expect(other.writes).toEqual(['o1|o2|']);
    expect(dropped.writes).toEqual([]);
  });
});

describe('WriteBatch runs', () => {
  it('frames back to back in one read leave as a view of that read, not a copy; other chunks keep their order', () => {
    const dispatch = new DispatchScope();
    const writes: Buffer[] = [];
    const batch = new WriteBatch(dispatch, (buf) => writes.push(buf));
    const read = Buffer.from('AAAABBBBCCCCDDDD'); // four frames of one read
    const frame = (i: number) => read.subarray(4 * i, 4 * i + 4);
    dispatch.run(() => {
      for (let i = 0; i < 4; i++) batch.push(frame(i));
    });
    expect(writes.map(String)).toEqual(['AAAABBBBCCCCDDDD']);
    expect(writes[0]!.buffer).toBe(read.buffer); // the read's own memory: nothing copied
    expect(writes[0]!.byteOffset).toBe(read.byteOffset);
    // A gap (a frame routed elsewhere), another buffer, an empty chunk, a frame from before: in order, all there.
    dispatch.run(() => {
      batch.push(frame(0));
      batch.push(frame(2));
      batch.push(frame(3));
      batch.push(Buffer.alloc(0));
      batch.push(Buffer.from('xy'));
      batch.push(frame(1));
      batch.push(frame(2));
    });
    expect(writes.map(String)).toEqual(['AAAABBBBCCCCDDDD', 'AAAACCCCDDDDxyBBBBCCCC']);
    expect(batch.bytes).toBe(0);
  });

  it('pushRange(): ranges of one read back to back are one view of it; mixed with push(), the order holds', () => {
    const dispatch = new DispatchScope();
    const writes: Buffer[] = [];
    const batch = new WriteBatch(dispatch, (buf) => writes.push(buf));
    const read = Buffer.from('AAAABBBBCCCCDDDD');
    dispatch.run(() => {
      for (let i = 0; i < 4; i++) batch.pushRange(read, 4 * i, 4);
    });
    expect(writes.map(String)).toEqual(['AAAABBBBCCCCDDDD']);
    expect(writes[0]!.buffer).toBe(read.buffer);
    dispatch.run(() => {
      batch.pushRange(read, 0, 4);
      batch.pushRange(read, 8, 4); // a gap: a new run
      batch.push(Buffer.from('xy')); // from elsewhere, between two ranges that touch
      batch.pushRange(read, 12, 4);
      batch.pushRange(read, 4, 4);
      batch.pushRange(read, 8, 4);
    });
    expect(writes.map(String)).toEqual(['AAAABBBBCCCCDDDD', 'AAAACCCCxyDDDDBBBBCCCC']);
    // After a flush a range that continues the last one starts afresh, and clear() forgets one in progress.
    dispatch.run(() => {
      batch.pushRange(read, 0, 4);
      batch.clear();
      batch.pushRange(read, 4, 4);
    });
    expect(writes.map(String).at(-1)).toBe('BBBB');
    expect(batch.bytes).toBe(0);
  });

  it('clear() forgets a run in progress', () => {
    const dispatch = new DispatchScope();
    const writes: string[] = [];
    const batch = new WriteBatch(dispatch, (buf) => writes.push(buf.toString()));
    const read = Buffer.from('AAAABBBB');
    dispatch.run(() => {
      batch.push(read.subarray(0, 4));
      batch.clear();
      batch.push(read.subarray(4, 8));
    });
    expect(writes).toEqual(['BBBB']);
  });
});

describe('WriteBatch on a dispatch scope', () => {
  it('writes once per sink when the outermost dispatch ends; outside one, at once', () => {
    const dispatch = new DispatchScope();
    const a = recorder(dispatch);
    const b = recorder(dispatch);
    dispatch.run(() => {
      a.push('1');
      dispatch.run(() => {
        b.push('x');
        a.push('2');
      });
      expect(a.writes).toEqual([]); // the inner run joins the outer dispatch
      a.push('3');
    });
    expect(a.writes).toEqual(['123']);
    expect(b.writes).toEqual(['x']);
    a.push('4');
    a.push('5');
    expect(a.writes).toEqual(['123', '4', '5']);
    expect(dispatch.active).toBe(false);
  });

  it('a dispatch that throws still flushes what it collected', () => {
    const dispatch = new DispatchScope();
    const a = recorder(dispatch);
    expect(() => dispatch.run(() => {
      a.push('kept');
      throw new Error('boom');
    })).toThrow('boom');
    expect(a.writes).toEqual(['kept']);
    expect(dispatch.active).toBe(false);
  });
});

describe('TurnCork', () => {
  it('one writev per turn with the very chunks written (no copy), in order', async () => {
    const calls: Buffer[][] = [];
    const sink = new Writable({
      writev(chunks, cb) {
        calls.push(chunks.map((c) => c.chunk as Buffer));
        cb();
      },
      write(chunk, _enc, cb) {
        calls.push([chunk as Buffer]);
        cb();
      },
    });
    const cork = new TurnCork(sink, new TurnScope());
    const chunks = ['a', 'b', 'c'].map((s) => Buffer.from(s));
    for (const c of chunks) cork.write(c);
    expect(calls).toEqual([]);
    await tick();
    expect(calls.length).toBe(1);
    expect(calls[0]!.length).toBe(3);
    calls[0]!.forEach((c, i) => expect(c).toBe(chunks[i]));
    cork.write(Buffer.from('d'));
    await tick();
    expect(calls.map((c) => Buffer.concat(c).toString())).toEqual(['abc', 'd']);
  });
});

describe('FramedConnection output', () => {
  const sockets: net.Socket[] = [];
  let server: net.Server | undefined;
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  /** `n` connected socket pairs: [our end, the peer's end, what the peer received]. */
  async function pairs(n: number): Promise<Array<{ ours: net.Socket; got: Buffer[]; ended: () => boolean }>> {
    const accepted: net.Socket[] = [];
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const out = [];
    for (let i = 0; i < n; i++) {
      const ours = net.connect({ host: '127.0.0.1', port });
      await new Promise((r) => ours.once('connect', r));
      const peer = await waitFor(() => accepted[i], 2000, 'accept');
      const got: Buffer[] = [];
      let ended = false;
      peer.on('data', (d: Buffer) => got.push(d));
      peer.on('end', () => (ended = true));
      sockets.push(ours, peer);
      out.push({ ours, got, ended: () => ended });
    }
    return out;
  }

  it('sends one turn as one write per socket, and a connection ended mid-turn loses nothing', async () => {
    const [p1, p2] = await pairs(2);
    const handlers = { onMessages() {}, onDecodeError() {}, onClose() {} };
    const c1 = new FramedConnection(1, p1!.ours, true, handlers);
    const c2 = new FramedConnection(2, p2!.ours, true, handlers);
    const writes = new Map<net.Socket, number>();
    for (const s of [p1!.ours, p2!.ours]) {
      const write = s.write.bind(s);
      s.write = ((chunk: Buffer) => {
        writes.set(s, (writes.get(s) ?? 0) + 1);
        return write(chunk);
      }) as typeof s.write;
    }
    for (let i = 0; i < 50; i++) {
      c1.send(Buffer.from(`a${i};`));
      c2.send(Buffer.from(`b${i};`));
    }
    c1.end('done'); // mid-turn: what c1 queued goes out before its FIN
    c2.send(Buffer.from('last'));
    const want1 = Array.from({ length: 50 }, (_, i) => `a${i};`).join('');
    const want2 = Array.from({ length: 50 }, (_, i) => `b${i};`).join('') + 'last';
    await waitFor(() => p1!.ended() && Buffer.concat(p2!.got).length === want2.length, 2000, 'both peers');
    expect(Buffer.concat(p1!.got).toString()).toBe(want1);
    expect(Buffer.concat(p2!.got).toString()).toBe(want2);
    expect(writes.get(p1!.ours)).toBe(1);
    expect(writes.get(p2!.ours)).toBe(1);
  });
});

describe('TurnScope.after', () => {
  it('runs put-off work in the same turn, after every sink marked by then has written', async () => {
    const turn = new TurnScope();
    const order: string[] = [];
    turn.after(() => order.push('after'));
    const sink = new WriteBatch(turn, (buf) => order.push(`write ${buf}`)); // marked after the after(): still written first
    sink.push(Buffer.from('x'));
    expect(order).toEqual([]);
    await tick();
    expect(order).toEqual(['write x', 'after']);
  });

  it('work put off by put-off work runs in the same turn (an event handed on, then batched to post)', async () => {
    const turn = new TurnScope();
    const order: string[] = [];
    turn.after(() => {
      order.push('hand on');
      turn.after(() => order.push('post'));
    });
    await tick();
    expect(order).toEqual(['hand on', 'post']);
  });
});
