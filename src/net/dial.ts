// Open a TCP connection with TCP_NODELAY on (every CRC frame is small and must not wait for
// Nagle). Rejects with "host:port: CODE" (e.g. ECONNREFUSED) and leaves no socket behind.
import net from 'node:net';

export interface DialOptions {
  /** Keep the writable side open after the peer's FIN (proxies need both halves apart). */
  allowHalfOpen?: boolean;
}

export function dial(host: string, port: number, options: DialOptions = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true, allowHalfOpen: options.allowHalfOpen ?? false });
    const onError = (err: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new Error(`${host}:${port}: ${err.code ?? err.message}`));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
