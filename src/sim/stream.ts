// One end of a sim connection, as a node (server.ts, client.ts, via connection.ts) sees it: a
// socket's few calls over one end of faults/memory-stream.ts's in-memory pair on the sim's
// clock (what one end writes the other reads on a later clock turn, in order, with a socket's
// back-pressure: write() says wait past 16 KiB unread, 'drain' follows). The same ends run
// through the link proxies, so a node cannot tell a proxied link from a direct one.
import type { MemoryStream } from '../faults/memory-stream.ts';

export interface SimStream {
  /** Queue bytes toward the peer; false: past the high-water mark, wait for onDrain. */
  write(data: Buffer): boolean;
  /** Bytes written and not yet read by the peer. */
  readonly writableLength: number;
  /** Close after the bytes written so far (the peer reads them, then the end). */
  end(): void;
  /** Close now. */
  destroy(): void;
  readonly open: boolean;
  /** Set by the owner of this end. */
  onData: (data: Buffer) => void;
  onClose: () => void;
  onDrain: () => void;
}

const nothing = () => {};

/** A node's view of `s`: reading starts at once. */
export function simEnd(s: MemoryStream): SimStream {
  const end: SimStream = {
    onData: nothing,
    onClose: nothing,
    onDrain: nothing,
    write: (data) => s.write(data),
    get writableLength() {
      return s.writableLength;
    },
    end: () => void s.end(),
    destroy: () => void s.destroy(),
    get open() {
      return !s.destroyed;
    },
  };
  s.on('data', (data) => end.onData(data));
  s.on('drain', () => end.onDrain());
  s.on('close', () => end.onClose());
  s.on('error', nothing); // a reset: 'close' follows
  return end;
}
