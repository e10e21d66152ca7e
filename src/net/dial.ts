// Open a TCP connection with TCP_NODELAY on (every CRC frame is small and must not wait for
// Nagle). Rejects with "host:port: CODE" (e.g. ECONNREFUSED) and leaves no socket behind.
// Also where a host name that resolves nowhere falls back to 127.0.0.1, as the course does.
import { lookup } from 'node:dns/promises';
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

export const LOOPBACK = '127.0.0.1';

/**
 * The host to dial for `host`. The course harness passes server *names* (`--connect_to_host
 * theshire`) and the course's code ignores them and dials 127.0.0.1; so a name that does not
 * resolve (ENOTFOUND) becomes 127.0.0.1, with one log line. Looked up once, here; a name that
 * resolves is returned unchanged for the dialler to use.
 */
export async function dialHost(host: string, log?: (line: string) => void): Promise<string> {
  if (net.isIP(host) !== 0) return host;
  try {
    await lookup(host);
    return host;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTFOUND') return host; // the dial will say what is wrong
    log?.(`host '${host}' does not resolve: dialling ${LOOPBACK} instead, as the course's servers do`);
    return LOOPBACK;
  }
}
