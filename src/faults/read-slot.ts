// Reading a proxied socket into a buffer of its own (net's `onread` option) instead of a fresh
// Buffer per read: no allocation and no Readable-stream bookkeeping per chunk, which is most
// of an empty pipe's cost (results/proxy.md: CPU per byte). The chunk handed to the reader is a
// view of that buffer, valid only during the call: a reader that keeps it (queued in a socket
// that did not take it at once, held by a toxic) calls retain(), and the next read goes into a
// new buffer; a reader that stores only some bytes copies them.
import net from 'node:net';

/** One read's worth: libuv's own default. Pages are touched only as far as reads fill them. */
export const READ_BUFFER_BYTES = 64 * 1024;

export class ReadSlot {
  private buf = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  /** Gets each chunk read (a view of the slot's buffer). */
  reader: (chunk: Buffer) => void = () => {};

  /** The last chunk is still referenced: read into a new buffer from now on. */
  retain(): void {
    this.buf = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  }

  /** For net.connect / net.Socket: `buffer` is asked for again after every read. */
  readonly onread = {
    buffer: (): Buffer => this.buf,
    callback: (n: number, buf: Buffer): boolean => {
      this.reader(n === buf.length ? buf : buf.subarray(0, n));
      return true;
    },
  };
}

/**
 * An accepted socket re-made around the same handle, reading into `slot`: net.Server has no
 * `onread` option, so the socket it made is emptied (its handle taken, then destroyed: it only
 * leaves the server's count) and a socket with one is built on the handle, paused. The
 * accepted socket must not have read yet (pauseOnConnect). If its handle is not there (an
 * internal change in a later Node), it is returned as it is, with a 'data' reader into the slot.
 */
export function adoptWithSlot(accepted: net.Socket, slot: ReadSlot): net.Socket {
  const shell = accepted as unknown as { _handle: unknown };
  const handle = shell._handle;
  if (handle === null || handle === undefined || accepted.destroyed) {
    accepted.on('data', (d: Buffer) => slot.reader(d)); // a fresh Buffer per read: nothing to retain
    return accepted;
  }
  shell._handle = null;
  accepted.destroy();
  const opts = { handle, allowHalfOpen: true, readable: true, writable: true, pauseOnCreate: true, onread: slot.onread };
  return new net.Socket(opts as net.SocketConstructorOpts);
}
