// The duplex a link proxy's pipes read and write: a net.Socket as it is (no wrapper, so the
// socket fast path is untouched), or one end of an in-memory pair on a Clock
// (memory-stream.ts). Only what Pipe, PipePair and LinkProxy use; a net.Socket satisfies it.

export interface ByteStream {
  /** Queue bytes for the peer; false once the unsent backlog is past the high-water mark ('drain' follows). */
  write(chunk: Buffer): boolean;
  /** Bytes written but not yet taken (by the kernel, or by the in-memory peer). */
  readonly writableLength: number;
  /** Stop / restart reading (the peer's writes back up). */
  pause(): this;
  resume(): this;
  /** Half-close after what was written: the peer reads an 'end'. */
  end(): this;
  /** Close at once: unsent bytes are dropped. */
  destroy(): this;
  /** Abort: the peer reads ECONNRESET. */
  resetAndDestroy(): this;
  readonly destroyed: boolean;
  /** Dialled and not yet connected ('connect' follows, or 'error' and 'close'). */
  readonly connecting: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'connect' | 'end' | 'drain', listener: () => void): this;
  on(event: 'close', listener: (hadError: boolean) => void): this;
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): this;
  once(event: 'data', listener: (chunk: Buffer) => void): this;
  once(event: 'connect' | 'end' | 'drain', listener: () => void): this;
  once(event: 'close', listener: (hadError: boolean) => void): this;
  once(event: 'error', listener: (err: NodeJS.ErrnoException) => void): this;
  off(event: string, listener: (...args: any[]) => void): this;
}

/**
 * Where a pipe gets its source's bytes: `reader` is called with each chunk read. A chunk may be
 * a view of a buffer the source reads into again (read-slot.ts): a reader that keeps it past
 * the call calls retain() first, so the next read goes elsewhere.
 */
export interface ReadSource {
  reader: (chunk: Buffer) => void;
  retain(): void;
}

/** A source that hands out a Buffer of its own per 'data' event: nothing to retain. */
export function dataEvents(stream: ByteStream): ReadSource {
  const source: ReadSource = { reader: () => {}, retain: () => {} };
  stream.on('data', (chunk) => source.reader(chunk));
  return source;
}
