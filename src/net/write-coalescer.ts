// Write coalescing: what a socket is sent during one scope leaves in one write when the scope
// ends, so a burst of small writes costs one syscall. Two scopes:
//   TurnScope     — one turn of the event loop; sinks flush in its check phase (setImmediate).
//   DispatchScope — one dispatch (a socket read, a group of timers due together, a release of
//                   held bytes); sinks flush when its outermost run() returns.
// And two ways to coalesce into one sink:
//   WriteBatch — queue chunks, hand them on as one buffer (copied only when there are several);
//   TurnCork   — cork the socket at the first write of a turn, uncork when the turn ends: one
//                writev, nothing copied (the fastest for large chunks read from another socket).
// A sink is marked once per scope (when its first chunk arrives), so the per-write cost is a
// push and an add (for a chunk that continues the previous one in memory, an add).
import type { Writable } from 'node:stream';

export interface Flushable {
  flush(): void;
}

/** Where a sink registers to be flushed when the current scope ends. */
export interface FlushScope {
  mark(sink: Flushable): void;
}

/**
 * Flushes every sink marked during one event-loop turn, once, in that turn's check phase; then
 * runs what was put off until after the writes (after()).
 */
export class TurnScope implements FlushScope {
  private readonly dirty = new Set<Flushable>();
  /** Work put off until this turn's writes have left (one entry per caller per turn: callers keep their own flag). */
  private later: Array<() => void> = [];
  private scheduled = false;

  mark(sink: Flushable): void {
    this.dirty.add(sink);
    this.schedule();
  }

  /** Run `fn` in this turn's check phase, after every sink marked by then has written. */
  after(fn: () => void): void {
    this.later.push(fn);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** A sink that went away: do not flush it. */
  forget(sink: Flushable): void {
    this.dirty.delete(sink);
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    for (const s of this.dirty) s.flush();
    this.dirty.clear();
    // Work that puts off more work (an event handed on, then batched for its post) still runs in this turn.
    while (this.later.length > 0) {
      const later = this.later;
      this.later = [];
      for (const fn of later) fn();
    }
  };
}

/**
 * Flushes every sink marked during one dispatch when its outermost run() (or begin/end pair)
 * ends. Outside any dispatch, a mark flushes at once: there is nothing to coalesce with.
 */
export class DispatchScope implements FlushScope {
  private depth = 0;
  private readonly dirty = new Set<Flushable>();

  get active(): boolean {
    return this.depth > 0;
  }

  mark(sink: Flushable): void {
    if (this.depth > 0) this.dirty.add(sink);
    else sink.flush();
  }

  begin(): void {
    this.depth++;
  }

  end(): void {
    if (--this.depth > 0) return;
    for (const s of this.dirty) s.flush();
    this.dirty.clear();
  }

  /** Run `fn` as one dispatch (or as part of the one already running). */
  run<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.end();
    }
  }
}

/**
 * The chunks for one sink in one scope, handed to `write` as one buffer when the scope ends.
 * Chunks that lie back to back in memory (frames forwarded from one read, in order) are kept
 * as one run, not one entry each: a relay's batch is then a single view of the bytes it read,
 * written with no copy.
 */
export class WriteBatch implements Flushable {
  private chunks: Buffer[] = [];
  /** The run being extended: its first chunk, and where its bytes end in that chunk's memory. */
  private run: Buffer | undefined;
  private runEnd = 0;
  /** The buffer the run was last extended from by pushRange(), and where in it the run's bytes end (a cheaper test than memory). */
  private rangeSrc: Buffer | undefined;
  private rangeEnd = 0;
  /** Bytes waiting. */
  bytes = 0;

  constructor(private readonly scope: FlushScope, private readonly write: (buf: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.rangeSrc = undefined;
    const n = chunk.length;
    if (n === 0) return;
    const run = this.run;
    if (run !== undefined && chunk.byteOffset === this.runEnd && chunk.buffer === run.buffer) {
      this.runEnd += n;
      this.bytes += n;
      return;
    }
    if (run !== undefined) this.chunks.push(this.closeRun(run));
    this.run = chunk;
    this.runEnd = chunk.byteOffset + n;
    // The first chunk marks the sink; later ones in the same scope ride along.
    if ((this.bytes += n) === n) this.scope.mark(this);
  }

  /** push() for `buf[at, at + len)`: a view is made only when it starts a new run. */
  pushRange(buf: Buffer, at: number, len: number): void {
    if (buf === this.rangeSrc && at === this.rangeEnd) {
      this.rangeEnd += len;
      this.runEnd += len;
      this.bytes += len;
      return;
    }
    this.push(buf.subarray(at, at + len));
    this.rangeSrc = buf;
    this.rangeEnd = at + len;
  }

  /** Write what is waiting now, as its own write (the scope's flush then finds nothing). */
  flush(): void {
    if (this.bytes === 0) return;
    const last = this.closeRun(this.run!);
    const q = this.chunks;
    const n = this.bytes;
    this.clear();
    if (q.length === 0) this.write(last);
    else {
      q.push(last);
      this.write(Buffer.concat(q, n));
    }
  }

  /** Forget what is waiting. */
  clear(): void {
    this.chunks = [];
    this.run = undefined;
    this.rangeSrc = undefined;
    this.bytes = 0;
  }

  /** The run's bytes as one Buffer (the chunk itself when the run is one chunk). */
  private closeRun(run: Buffer): Buffer {
    const len = this.runEnd - run.byteOffset;
    return len === run.length ? run : Buffer.from(run.buffer, run.byteOffset, len);
  }
}

/** Writes to one stream during one turn leave in one writev: corked at the first, uncorked at the turn's end. */
export class TurnCork implements Flushable {
  private corked = false;

  constructor(private readonly stream: Writable, private readonly scope: TurnScope) {}

  write(chunk: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      this.scope.mark(this);
    }
    this.stream.write(chunk);
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.stream.uncork();
  }
}

/** This thread's turn scope: every sink flushed at the end of a loop turn shares one setImmediate. */
export const endOfTurn = new TurnScope();
